/**
 * `collectstatic [--clear] [--dry-run]`: copies static files into STATIC_ROOT, with their
 * content-hashed copies and the manifest staticfiles.json (Django's ManifestStaticFilesStorage).
 * @module
 */
import { collectStatic } from '../../staticfiles/collect.js';
import { StaticPostProcessError } from '../../staticfiles/manifest.js';
import { CommandError, defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';

export default defineCommand({
  name: 'collectstatic',
  help: 'Collects the static files of STATICFILES_DIRS and every app into STATIC_ROOT, with content-hashed copies and staticfiles.json, for the web server to serve.',
  requiresProject: true,
  options: [
    { name: 'clear', type: 'boolean', short: 'c', help: 'Delete the existing files in STATIC_ROOT first.' },
    { name: 'dry-run', type: 'boolean', short: 'n', help: 'Do everything except modify the filesystem.' },
    { name: 'verbose', type: 'boolean', short: 'v', help: 'List every file copied and every shadowed duplicate.' },
  ],
  async handle({ project, stdout }, { options }) {
    const settings = await loadSettings(project!);
    if (!settings.STATIC_ROOT) {
      throw new CommandError(
        "You're using the staticfiles app without having set the STATIC_ROOT setting to a filesystem path. " +
          "Set STATIC_ROOT in your settings, e.g. STATIC_ROOT: 'staticfiles'.",
      );
    }
    const dryRun = options['dry-run'] === true;
    let result;
    try {
      result = await collectStatic(settings, { clear: options.clear === true, dryRun });
    } catch (error) {
      if (error instanceof StaticPostProcessError) throw new CommandError(error.message);
      throw error;
    }
    if (options.verbose) {
      for (const path of result.copied) stdout.write(`${dryRun ? 'Pretending to copy' : 'Copying'} '${path}'\n`);
      for (const path of result.hashed) stdout.write(`${dryRun ? 'Pretending to write' : 'Writing'} '${path}'\n`);
      for (const f of result.shadowed) stdout.write(`Found another file with the destination path '${f.path}' (in ${f.source.root}). It will be ignored since only the first encountered file is collected.\n`);
    }
    const n = result.copied.length;
    stdout.write(
      `${dryRun ? 'Pretending: ' : ''}${n} static file${n === 1 ? '' : 's'} copied to '${result.root}', ${result.unmodified.length} unmodified, ` +
        `${result.hashed.length} hashed; staticfiles.json ${result.manifestWritten ? 'written' : 'unchanged'}.\n`,
    );
    return 0;
  },
});

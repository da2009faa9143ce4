/**
 * `check [--deploy] [--tag TAG] [--fail-level LEVEL]`: runs the system checks and exits
 * non-zero when one reaches the fail level (Django's `check`).
 * @module
 */
import type { CheckLevelName } from '../../conf/checks.js';
import { CheckLevel, formatCheckReport, isSerious, runChecks } from '../../conf/checks.js';
import { CommandError, defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';
import { importApplication } from '../runserver/serve-project.js';

export default defineCommand({
  name: 'check',
  help: 'Checks the entire project for potential problems (settings, URLs, static files; --deploy adds security).',
  requiresProject: true,
  options: [
    { name: 'deploy', type: 'boolean', help: 'Check deployment settings (security) too.' },
    { name: 'tag', type: 'string', short: 't', metavar: 'TAG', help: 'Run only checks tagged settings, staticfiles, urls or security (comma-separated).' },
    { name: 'fail-level', type: 'string', metavar: 'LEVEL', default: 'ERROR', help: 'Message level that makes the command exit with a non-zero status: CRITICAL, ERROR, WARNING, INFO or DEBUG.' },
  ],
  async handle({ project, stdout, stderr }, { options }) {
    const levelName = String(options['fail-level']).toUpperCase();
    if (!(levelName in CheckLevel)) {
      throw new CommandError(`--fail-level must be one of ${Object.keys(CheckLevel).join(', ')}, not '${String(options['fail-level'])}'`, 2);
    }
    const settings = await loadSettings(project!);
    const tags = typeof options.tag === 'string' ? options.tag.split(',').map((t) => t.trim()) : undefined;
    const messages = await runChecks(settings, { deploy: options.deploy === true, ...(tags ? { tags } : {}) });
    // The module production serves must load and hold an app (getTsgiApplication builds the
    // middleware chain there, so a broken factory shows up here, not at the first deploy).
    if (!messages.some((m) => isSerious(m)) && (!tags || tags.includes('settings'))) {
      try {
        await importApplication(project!.application);
      } catch (error) {
        messages.push({
          level: CheckLevel.ERROR,
          id: 'tsgi.E009',
          msg: `The application ${project!.application} does not load: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'Fix the error above; tsgi.ts should end with `export const application = getTsgiApplication(settings);`.',
          obj: 'tsgi.ts',
        });
      }
    }
    const report = formatCheckReport(messages, CheckLevel[levelName as CheckLevelName]);
    // As Django: any issue goes to stderr (warnings too), a clean run to stdout.
    (messages.length > 0 ? stderr : stdout).write(report.text);
    return report.failed ? 1 : 0;
  },
});

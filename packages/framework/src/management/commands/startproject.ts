/**
 * `startproject NAME [DIRECTORY]`: writes a runnable project from src/project-template.
 * @module
 */
import { defineCommand } from '../base.js';
import { getRandomSecretKey, INSECURE_KEY_PREFIX } from '../secret-key.js';
import { templateCommandSpec, writeFromTemplate } from '../template.js';
import { frameworkVersion } from '../version.js';
import { installedFrom } from '../installed-from.js';

export default defineCommand({
  name: 'startproject',
  help:
    'Creates a project directory structure for the given project name in the current directory ' +
    'or optionally in the given directory.',
  ...templateCommandSpec('project'),
  async handle({ cwd, stdout }, { args, options }) {
    const name = args.name;
    const target = await writeFromTemplate('project', name, args.directory, options.template, cwd, async (project) => ({
      project_name: project,
      package_name: project.toLowerCase().replace(/_/g, '-'),
      secret_key: INSECURE_KEY_PREFIX + getRandomSecretKey(),
      framework_version: await frameworkVersion(),
    }));
    const where = args.directory === undefined ? name : args.directory;
    const modules = installedFrom(target);
    // Inside this repository (or another project) the packages above are used: an install of
    // its own is not needed, and would fetch from the registry what is already here.
    const install = modules === undefined ? '  npm install\n' : '';
    const note = modules === undefined ? '' : `\nNo npm install needed: it uses the packages in ${modules}.\n`;
    stdout.write(
      `Created project '${name}' in ${target}\n${note}\nNext:\n` +
        `  cd ${where}\n${install}  npx tsx manage.ts runserver\n`,
    );
    return 0;
  },
});

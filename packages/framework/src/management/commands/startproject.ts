/**
 * `startproject NAME [DIRECTORY]`: writes a runnable project from src/project-template.
 * @module
 */
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CommandError, defineCommand } from '../base.js';
import { validateName } from '../names.js';
import { getRandomSecretKey, INSECURE_KEY_PREFIX } from '../secret-key.js';
import { copyTemplate, exists, templateSource } from '../template.js';
import { frameworkVersion } from '../version.js';

/**
 * Creates the target directory the way Django does: without DIRECTORY a new `./NAME` that must
 * not exist yet; with DIRECTORY an existing directory to fill (files already there are kept,
 * and a conflict stops the command before anything is written).
 */
export async function prepareTarget(name: string, directory: string | undefined, cwd: string): Promise<{ target: string; created: boolean }> {
  if (directory === undefined) {
    const target = resolve(cwd, name);
    if (await exists(target)) throw new CommandError(`'${target}' already exists`);
    await mkdir(target);
    return { target, created: true };
  }
  const target = resolve(cwd, directory);
  if (!(await exists(target))) {
    throw new CommandError(`Destination directory '${target}' does not exist, please create it first.`);
  }
  return { target, created: false };
}

export default defineCommand({
  name: 'startproject',
  help:
    'Creates a project directory structure for the given project name in the current directory ' +
    'or optionally in the given directory.',
  args: [
    { name: 'name', help: 'Name of the application or project.' },
    { name: 'directory', help: 'Optional destination directory (must exist).', optional: true },
  ],
  options: [
    { name: 'template', type: 'string', metavar: 'DIR', help: 'A directory to copy instead of the built-in project template (files ending in -tpl are rendered).' },
  ],
  async handle({ cwd, stdout }, { args, options }) {
    const name = args.name;
    validateName(name, 'project', cwd);
    const source = await templateSource(options.template, 'project-template', cwd);
    const { target, created } = await prepareTarget(name, args.directory, cwd);
    const version = await frameworkVersion();
    try {
      await copyTemplate(source, target, {
        project_name: name,
        package_name: name.toLowerCase().replace(/_/g, '-'),
        secret_key: INSECURE_KEY_PREFIX + getRandomSecretKey(),
        framework_version: version,
      });
    } catch (error) {
      // Leave no half-made directory behind when we made it ourselves.
      if (created) await rm(target, { recursive: true, force: true });
      throw error;
    }
    const where = args.directory === undefined ? name : args.directory;
    stdout.write(
      `Created project '${name}' in ${target}\n\nNext:\n` +
        `  cd ${where}\n  npm install\n  npx tsx manage.ts runserver\n`,
    );
    return 0;
  },
});

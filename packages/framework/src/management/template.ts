/**
 * Copies a template directory (the project or app skeleton) into place, as Django's
 * `TemplateCommand` does: files ending in `-tpl` are rendered (`{{ name }}` placeholders
 * replaced, the suffix dropped) and a directory or file named after a placeholder key
 * (`project_name`, `app_name`) is renamed to its value. Existing files are never overwritten:
 * every conflict is found before the first byte is written.
 * @module
 */
import { mkdir, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, type Command } from './base.js';
import { validateName } from './names.js';

/** Placeholder values, e.g. `{ project_name: 'mysite', secret_key: '...' }`. */
export type TemplateContext = Readonly<Record<string, string>>;

/** Suffix marking a file to render; keeps `.ts` templates out of tsc and eslint. */
const TEMPLATE_SUFFIX = '-tpl';

/** Where the framework keeps its skeletons (src/, shipped in the package; tsc does not copy them). */
export function templateDirectory(kind: 'project-template' | 'app-template'): string {
  // Two levels up from src/management/ or dist/management/ is the package root.
  return fileURLToPath(new URL(`../../src/${kind}/`, import.meta.url));
}

/**
 * The template to copy: `--template DIR` (Django's option; a directory here) or the built-in
 * one. Checked before the target directory is made.
 */
export async function templateSource(option: unknown, kind: 'project-template' | 'app-template', cwd: string): Promise<string> {
  if (typeof option !== 'string') return templateDirectory(kind);
  const dir = resolve(cwd, option);
  let ok = false;
  try {
    ok = (await stat(dir)).isDirectory();
  } catch {
    // reported below
  }
  if (!ok) throw new CommandError(`couldn't handle ${kind.replace('-', ' ')} ${dir}: it is not a directory.`);
  return dir;
}

/** Replaces `{{ key }}` (spaces optional); an unknown key is a bug in the template, so it throws. */
export function renderTemplate(text: string, context: TemplateContext): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_match, key: string) => {
    const value = context[key];
    if (value === undefined) throw new Error(`template placeholder {{ ${key} }} has no value`);
    return value;
  });
}

interface PlannedFile {
  readonly source: string;
  readonly target: string;
  readonly render: boolean;
  readonly executable: boolean;
}

async function plan(sourceDir: string, targetDir: string, context: TemplateContext, out: PlannedFile[]): Promise<PlannedFile[]> {
  const entries = await readdir(sourceDir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    // `dot_gitignore` -> `.gitignore`: npm drops dotfiles named .gitignore from packages.
    const undotted = entry.name.startsWith('dot_') ? `.${entry.name.slice(4)}` : entry.name;
    const renamed = context[undotted] ?? undotted;
    const source = join(sourceDir, entry.name);
    if (entry.isDirectory()) {
      await plan(source, join(targetDir, renamed), context, out);
    } else if (entry.isFile()) {
      const render = renamed.endsWith(TEMPLATE_SUFFIX);
      const name = render ? renamed.slice(0, -TEMPLATE_SUFFIX.length) : renamed;
      const executable = ((await stat(source)).mode & 0o111) !== 0;
      out.push({ source, target: join(targetDir, name), render, executable });
    }
  }
  return out;
}

/**
 * Writes the template at `sourceDir` into `targetDir` and returns the files written (relative).
 * Throws {@link CommandError} naming every file that already exists, before writing anything.
 */
export async function copyTemplate(sourceDir: string, targetDir: string, context: TemplateContext): Promise<string[]> {
  const files = await plan(sourceDir, targetDir, context, []);
  const conflicts: string[] = [];
  for (const file of files) {
    if (await exists(file.target)) conflicts.push(file.target);
  }
  if (conflicts.length > 0) {
    throw new CommandError(
      `${conflicts.map((c) => `'${c}'`).join(', ')} already ${conflicts.length === 1 ? 'exists' : 'exist'}. ` +
        "Overlaying a project into an existing directory won't replace conflicting files.",
    );
  }
  for (const file of files) {
    await mkdir(join(file.target, '..'), { recursive: true });
    const data = await readFile(file.source);
    await writeFile(file.target, file.render ? renderTemplate(data.toString('utf8'), context) : data, { flag: 'wx' });
    if (file.executable) await chmod(file.target, 0o755);
  }
  return files.map((f) => relative(targetDir, f.target));
}

/** True when something (file, dir, dangling link) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Creates the target directory the way Django does: without DIRECTORY a new `./NAME` that must
 * not exist yet; with DIRECTORY an existing directory to fill (files already there are kept,
 * and a conflict stops the command before anything is written).
 */
async function prepareTarget(name: string, directory: string | undefined, cwd: string): Promise<{ target: string; created: boolean }> {
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

/**
 * What startproject and startapp share (Django's TemplateCommand): check the name, pick the
 * template (`--template DIR` or the built-in one), make or check the target directory, render
 * every file into it, and leave no half-made directory behind when it made one itself. Returns
 * the target directory.
 *
 * @example
 * ```ts
 * const target = await writeFromTemplate('app', 'blog', undefined, undefined, process.cwd(), (name) => ({ app_name: name }));
 * ```
 */
export async function writeFromTemplate(kind: 'project' | 'app', name: string | undefined, directory: string | undefined, template: unknown, cwd: string, context: (name: string) => TemplateContext | Promise<TemplateContext>): Promise<string> {
  validateName(name, kind, cwd);
  const source = await templateSource(template, kind === 'project' ? 'project-template' : 'app-template', cwd);
  const { target, created } = await prepareTarget(name, directory, cwd);
  try {
    await copyTemplate(source, target, await context(name));
  } catch (error) {
    if (created) await rm(target, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/**
 * The arguments and options startproject and startapp share (Django's
 * TemplateCommand.add_arguments).
 *
 * @example
 * ```ts
 * defineCommand({ name: 'startapp', help: '...', ...templateCommandSpec('app'), handle });
 * ```
 */
export function templateCommandSpec(kind: 'project' | 'app'): Pick<Command, 'args' | 'options'> {
  return {
    args: [
      { name: 'name', help: 'Name of the application or project.' },
      { name: 'directory', help: 'Optional destination directory (must exist).', optional: true },
    ],
    options: [{ name: 'template', type: 'string', metavar: 'DIR', help: `A directory to copy instead of the built-in ${kind} template (files ending in -tpl are rendered).` }],
  };
}

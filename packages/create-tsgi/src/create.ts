/**
 * What `npm create tsgi@latest mysite` does: the project `tsgi-admin startproject` writes (the
 * framework's own template and command, not a copy), optionally pointed at local tarballs, then
 * `npm install` in it.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { executeFromCommandLine } from 'tsgi-framework/management';
import { CreateError } from './create-error.js';
import { dependOnTarballs, findTarballs, type Manifest } from './tarballs.js';

/** One run of create-tsgi. */
export interface CreateOptions {
  /** Project name: a valid identifier, also the folder made under `cwd`. */
  readonly name: string;
  readonly cwd: string;
  /** A folder of tarballs from `npm run pack` to depend on instead of the registry. */
  readonly from?: string | undefined;
  /** Run `npm install` in the new project (default true). */
  readonly install?: boolean;
  /** Your own project skeleton, as `tsgi-admin startproject --template DIR`. */
  readonly template?: string | undefined;
}

/**
 * Writes and installs the project; resolves to its directory. Throws {@link CreateError} for
 * anything the user must fix (startproject's own refusals included, with its message).
 *
 * @example
 * ```ts
 * await createProject({ name: 'mysite', cwd: process.cwd(), from: '../tsgi/.packs' });
 * ```
 */
export async function createProject(options: CreateOptions): Promise<string> {
  // Checked before anything is written: a bad --from leaves no half-made project.
  const tarballs = options.from === undefined ? undefined : await findTarballs(resolve(options.cwd, options.from));
  await startproject(options);
  const target = resolve(options.cwd, options.name);
  if (tarballs !== undefined) {
    try {
      await rewriteManifest(join(target, 'package.json'), (m) => dependOnTarballs(m, tarballs));
    } catch (error) {
      // startproject made the folder (it refuses an existing one): leave nothing half-made.
      await rm(target, { recursive: true, force: true });
      throw error;
    }
  }
  if (options.install !== false) await npmInstall(target);
  return target;
}

/** The two (or three) commands that follow, relative to where the user is. */
export function nextSteps(target: string, cwd: string, installed: boolean): string {
  const where = relative(cwd, target) || '.';
  const steps = [`cd ${where.includes(' ') ? JSON.stringify(where) : where}`, ...(installed ? [] : ['npm install']), 'npm run dev'];
  return `\nCreated ${target}. Now run:\n\n${steps.map((s) => `  ${s}\n`).join('')}\n` +
    '`npm run dev` serves it on http://127.0.0.1:8000/ and restarts on save; README.md has the rest.\n';
}

async function startproject(options: CreateOptions): Promise<void> {
  let errors = '';
  const args = ['startproject', ...(options.template === undefined ? [] : ['--template', options.template]), options.name];
  const code = await executeFromCommandLine(args, {
    prog: 'create-tsgi',
    cwd: options.cwd,
    // startproject's own "Next:" lines are replaced by nextSteps().
    stdout: { write: () => true },
    stderr: { write: (text: string) => ((errors += text), true) },
  });
  if (code !== 0) throw new CreateError(errors.trim().replace(/^CommandError: /, ''));
}

async function rewriteManifest(path: string, change: (manifest: Manifest) => Manifest): Promise<void> {
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Manifest;
  await writeFile(path, `${JSON.stringify(change(manifest), null, 2)}\n`);
}

/** `npm install` in `dir` with the npm that ran us (`npm create` sets npm_execpath), output shown. */
function npmInstall(dir: string): Promise<void> {
  const execPath = process.env.npm_execpath;
  const [command, args] = execPath !== undefined && /npm-cli\.js$/.test(execPath)
    ? [process.execPath, [execPath, 'install']]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install']];
  return new Promise((done, fail) => {
    const child = spawn(command, [...args, '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit', shell: process.platform === 'win32' });
    child.once('error', (error) => fail(new CreateError(`could not run npm install in ${dir}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) done();
      else fail(new CreateError(`npm install in ${dir} failed (${signal ?? `exit ${code}`}); the project is written: fix the cause and run npm install there`));
    });
  });
}

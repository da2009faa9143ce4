/**
 * `test [path] [--pattern GLOB] [-k PATTERN] [--parallel N]`: runs the project's tests with
 * node:test through tsx (Django's `test`). The settings are loaded and the system checks run
 * first (a broken project fails once, clearly, not in every test file); then the test files found
 * under the project (or `path`) run in a child `node --test`, whose exit code is the command's.
 * @module
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatCheckReport, isSerious, runChecks, CheckLevel } from '../../conf/checks.js';
import type { Output } from '../base.js';
import { CommandError, defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';
import { discoverTestFiles } from '../test-discovery.js';

/** The tsx loader the project uses (its own dependency), else the one next to the framework. */
function tsxLoader(baseDir: string): string {
  for (const from of [join(baseDir, 'package.json'), fileURLToPath(import.meta.url)]) {
    try {
      return pathToFileURL(createRequire(from).resolve('tsx')).href;
    } catch {
      // try the next place
    }
  }
  throw new CommandError("tsx is not installed: the tests are TypeScript. Run 'npm install --save-dev tsx'.");
}

/** `--conditions` flags of this process (e.g. `source` in a monorepo), kept for the tests. */
function conditionFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (/^(--conditions|-C)=/.test(arg)) out.push(arg);
    else if ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] !== undefined) out.push(arg, execArgv[++i]!);
  }
  return out;
}

/** Runs node's test runner on `files`; resolves to its exit code (1 when killed by a signal). */
function runNodeTest(args: readonly string[], cwd: string, stdout: Output, stderr: Output): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    // A run of its own even when started from inside a node:test run (which sets
    // NODE_TEST_CONTEXT and would take the child's results over instead of printing them).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['inherit', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk.toString()));
    // A supervisor stopping us stops the tests too (Ctrl-C reaches both through the terminal).
    const stop = () => child.kill('SIGTERM');
    process.once('SIGTERM', stop);
    child.on('error', (error) => {
      process.off('SIGTERM', stop);
      reject(error);
    });
    child.on('close', (code) => {
      process.off('SIGTERM', stop);
      resolvePromise(code ?? 1);
    });
  });
}

export default defineCommand({
  name: 'test',
  help: 'Runs the tests of the project (every *.test.ts under it, or under PATH) with node:test through tsx.',
  requiresProject: true,
  args: [{ name: 'path', help: 'A test file or a directory to search (default: the whole project).', optional: true }],
  options: [
    { name: 'pattern', type: 'string', short: 'p', metavar: 'GLOB', default: '*.test.ts', help: 'Test file names to run.' },
    { name: 'name-pattern', type: 'string', short: 'k', metavar: 'PATTERN', help: 'Only run tests whose name matches this regular expression.' },
    { name: 'parallel', type: 'string', metavar: 'N', help: 'How many test files run at once (default: one per CPU but one).' },
  ],
  async handle({ project, cwd, stdout, stderr }, { args, options }) {
    const settings = await loadSettings(project!);
    const messages = await runChecks(settings);
    const report = formatCheckReport(messages, CheckLevel.ERROR);
    if (messages.length > 0) stderr.write(report.text);
    if (messages.some((m) => isSerious(m))) return 1;

    const start = resolve(cwd, args.path ?? project!.baseDir);
    const pattern = String(options.pattern);
    let files: string[];
    try {
      files = await discoverTestFiles(start, { pattern, exclude: settings.STATIC_ROOT ? [resolve(settings.BASE_DIR, settings.STATIC_ROOT)] : [] });
    } catch (error) {
      throw new CommandError(`could not search ${start} for tests: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (files.length === 0) throw new CommandError(`no test files named '${pattern}' under ${start}`);

    const flags = [...conditionFlags(process.execArgv), '--import', tsxLoader(project!.baseDir), '--test', '--test-reporter=spec'];
    if (typeof options['name-pattern'] === 'string') flags.push(`--test-name-pattern=${options['name-pattern']}`);
    if (typeof options.parallel === 'string') {
      if (!/^[1-9]\d{0,3}$/.test(options.parallel)) throw new CommandError(`--parallel must be a whole number from 1, not '${options.parallel}'`, 2);
      flags.push(`--test-concurrency=${options.parallel}`);
    }
    stdout.write(`Found ${files.length} test file${files.length === 1 ? '' : 's'}: ${files.map((f) => relative(project!.baseDir, f)).join(', ')}\n`);
    return runNodeTest([...flags, ...files], project!.baseDir, stdout, stderr);
  },
});

/**
 * What a user outside this repository does, over real processes: pack every package
 * (`scripts/pack.ts`, as `npm run pack`), run create-tsgi from its tarball in an empty temporary
 * folder with `--from` the tarballs (npm exec, as `npm create` does), which installs the project;
 * `npm run check` there; then serve it with the project's own node_modules/.bin/tsgi-appserver
 * behind node_modules/.bin/tsgi-webserver, fetch a page and a static file, and stop both. No path
 * into the repository may appear anywhere in the project, node_modules included.
 *
 * Third-party dependencies (tsx, typescript, undici...) come from the registry through npm's
 * cache (`prefer-offline`): with a warm cache (`npm ci` in the repository fills it) no network
 * is needed; a cold cache without network fails at `npm install` with npm's own message.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** A cold `tsc -b` plus six `npm pack`s on a busy 2-core machine. */
const PACK_TIMEOUT_MS = 240_000;
/** npm exec (create-tsgi and its four tarballs) plus the project's npm install, from the cache. */
const CREATE_TIMEOUT_MS = 240_000;
const SERVE_TIMEOUT_MS = 60_000;

/** npm's settings for every child: quiet, and the cache first so no network is needed when warm. */
const NPM_ENV = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

interface Ran {
  readonly code: number | null;
  readonly out: string;
}

/** Runs a command to completion, stdout and stderr together; killed at `timeoutMs`. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...NPM_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal === 'SIGKILL' ? null : code, out: signal === 'SIGKILL' ? `${out}\n(killed after ${timeoutMs} ms)` : out });
    });
  });
}

/** Every file under `dir` (node_modules included); bounded by the tree, which npm wrote. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A server in its own process group, so a forced stop takes its workers too. */
function serve(bin: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Sends `signal`, waits up to `graceMs` for the exit, then kills the whole group. */
async function stop(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<number | null> {
  child.kill(signal);
  const timer = setTimeout(() => killGroup(child), graceMs);
  const code = await exited(child);
  clearTimeout(timer);
  return code;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('a user outside the repository: pack, npm create, install, check, serve', { timeout: PACK_TIMEOUT_MS + CREATE_TIMEOUT_MS + 3 * SERVE_TIMEOUT_MS }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let packs: string;
  let project: string;
  const servers: ChildProcess[] = [];

  before(async () => {
    ({ dir, cleanup } = await tempDir('tsgi-outside-'));
    // The realpath: the folder npm and node report (macOS /var -> /private/var).
    dir = await realpath(dir);
    packs = join(dir, 'packs');
    project = join(dir, 'work', 'mysite');
  });
  after(async () => {
    for (const child of servers) killGroup(child);
    await cleanup?.();
  });

  it('npm run pack writes one tarball per published package', async () => {
    const packed = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/pack.ts'), '--out', packs], ROOT, PACK_TIMEOUT_MS);
    assert.equal(packed.code, 0, packed.out);
    const tarballs = (await readdir(packs)).sort();
    assert.deepEqual(tarballs, ['create-tsgi-0.1.0.tgz', 'tsgi-0.1.0.tgz', 'tsgi-appserver-0.1.0.tgz', 'tsgi-framework-0.1.0.tgz', 'tsgi-head-gate-0.1.0.tgz', 'tsgi-webserver-0.1.0.tgz']);
  });

  it('create-tsgi from its tarball writes and installs the project, and prints the two commands', async () => {
    const work = join(dir, 'work');
    await mkdir(work);
    const pkgs = ['create-tsgi', 'tsgi-framework', 'tsgi', 'tsgi-head-gate'].map((name) => `--package=${join(packs, `${name}-0.1.0.tgz`)}`);
    const created = await run(npm, ['exec', '--yes', ...pkgs, '--', 'create-tsgi', 'mysite', '--from', packs], work, CREATE_TIMEOUT_MS);
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, /Now run:\n\n {2}cd mysite\n {2}npm run dev\n/);
    const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(manifest.dependencies['tsgi-framework'], `file:${join(packs, 'tsgi-framework-0.1.0.tgz')}`);
    for (const bin of ['tsgi-appserver', 'tsgi-webserver', 'tsgi-admin', 'tsx', 'tsc']) {
      assert.ok((await readdir(join(project, 'node_modules/.bin'))).includes(bin), `node_modules/.bin/${bin} is installed`);
    }
  });

  it('no path into the repository appears in the project, node_modules included', async () => {
    const repo = ROOT.replace(/\/$/, '');
    const leaks: string[] = [];
    for (const file of await allFiles(project)) {
      if ((await readFile(file)).includes(repo)) leaks.push(file);
    }
    assert.deepEqual(leaks, [], `files naming ${repo}`);
  });

  it('npm run check: the project type-checks and passes the system checks', async () => {
    const checked = await run(npm, ['run', 'check'], project, SERVE_TIMEOUT_MS);
    assert.equal(checked.code, 0, checked.out);
    assert.match(checked.out, /System check identified no issues/);
  });

  it('tsgi-appserver behind tsgi-webserver, from node_modules/.bin, serves a page and a static file', async () => {
    const env = { TSGI_DEBUG: '0', TSGI_SECRET_KEY: 'outside-user-test-key-'.repeat(3), TSGI_ALLOWED_HOSTS: '127.0.0.1' };
    const collected = await run(npm, ['run', 'collectstatic'], project, SERVE_TIMEOUT_MS, env);
    assert.equal(collected.code, 0, collected.out);
    const [appPort, webPort] = [await freePort(), await freePort()];
    const bin = (name: string) => join(project, 'node_modules/.bin', name);
    const app = serve(bin('tsgi-appserver'), ['-b', `127.0.0.1:${appPort}`, '-w', '1', 'mysite/tsgi.ts:application'], project, env);
    servers.push(app);
    await waitForOutput(app, /Booting worker/, { timeoutMs: SERVE_TIMEOUT_MS, what: 'tsgi-appserver' });
    const web = serve(bin('tsgi-webserver'), ['reverse-proxy', '--listen', `127.0.0.1:${webPort}`, '--to', `127.0.0.1:${appPort}`, '--static', '/static/=staticfiles', '--workers', '1'], project, {});
    servers.push(web);

    const home = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${webPort}/`).catch(() => undefined);
      if (res === undefined) return undefined;
      const body = await res.text();
      // 502/503 while the worker or the web server is still coming up.
      return res.status < 500 ? { status: res.status, body } : undefined;
    }, { timeoutMs: SERVE_TIMEOUT_MS, what: 'the home page through tsgi-webserver' });
    assert.equal(home.status, 200, home.body);
    assert.match(home.body, /mysite/);

    const css = await fetch(`http://127.0.0.1:${webPort}/static/site.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.equal(await css.text(), await readFile(join(project, 'static/site.css'), 'utf8'));

    assert.equal(await stop(web, 'SIGQUIT', SERVE_TIMEOUT_MS), 0, 'tsgi-webserver stops gracefully on QUIT');
    assert.equal(await stop(app, 'SIGTERM', SERVE_TIMEOUT_MS), 0, 'tsgi-appserver stops gracefully on TERM');
  });
});

/**
 * What a user outside this repository does, over real processes: pack every package
 * (`scripts/pack.ts`, as `npm run pack`), run create-tsgi from its tarball in an empty temporary
 * folder with `--from` the tarballs (npm exec, as `npm create` does), which installs the project;
 * `npm run check` there; then serve it with the project's own node_modules/.bin/tsgi-appserver
 * behind node_modules/.bin/tsgi-webserver, fetch a page and a static file, and stop both. No path
 * into the repository may appear anywhere in the project, node_modules included. Last, the
 * container recipe (examples/deploy/container/Dockerfile) is built without a container engine:
 * each stage is a scratch folder, its COPY/RUN/ENV/WORKDIR steps run there in order, and the
 * final stage's CMD serves while its HEALTHCHECK passes.
 *
 * Third-party dependencies (tsx, typescript, undici...) come from the registry through npm's
 * cache (`prefer-offline`): with a warm cache (`npm ci` in the repository fills it) no network
 * is needed; a cold cache without network fails at `npm install` with npm's own message.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
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

interface Stage {
  readonly name: string;
  readonly root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  healthcheck?: string[];
  cmd?: string[];
  readonly runs: string[];
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (match !== null && !line.trimStart().startsWith('#')) out.push([match[1]!, match[2]!.trim()]);
  }
  return out;
}

/**
 * Runs a Dockerfile's stages as folders under `scratch` (each stage's / is its folder), with
 * `context` as the build context (top-level .dockerignore names left out). Supports what the
 * recipe uses: FROM [AS], WORKDIR, COPY [--from], RUN, ENV, USER, EXPOSE, HEALTHCHECK, CMD.
 */
async function runDockerfile(text: string, context: string, scratch: string, timeoutMs: number): Promise<Stage[]> {
  const ignored = new Set((await readFile(join(context, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean));
  const stages: Stage[] = [];
  const inStage = (stage: Stage, path: string) => join(stage.root, isAbsolute(path) ? path : join(stage.workdir, path));
  for (const [instruction, args] of instructions(text)) {
    const stage = stages.at(-1);
    if (instruction === 'FROM') {
      const name = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? String(stages.length);
      const root = join(scratch, `stage-${stages.length}`);
      await mkdir(root, { recursive: true });
      stages.push({ name, root, workdir: '/', env: {}, runs: [] });
      continue;
    }
    assert.ok(stage !== undefined, `${instruction} before FROM`);
    if (instruction === 'WORKDIR') {
      stage.workdir = args;
      await mkdir(join(stage.root, args), { recursive: true });
    } else if (instruction === 'ENV') {
      for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
    } else if (instruction === 'COPY') {
      const words = args.split(/\s+/);
      const from = words[0]!.startsWith('--from=') ? stages.find((s) => s.name === words.shift()!.slice('--from='.length)) : undefined;
      const dest = words.pop()!;
      for (const src of words) {
        const source = from === undefined ? join(context, src) : join(from.root, src);
        const target = dest.endsWith('/') || words.length > 1 ? join(inStage(stage, dest), src === '.' ? '' : basename(src)) : inStage(stage, dest);
        const filter = (path: string) => from !== undefined || !ignored.has(path.slice(context.length + 1).split('/')[0]!);
        await cp(source, target, { recursive: true, filter });
      }
    } else if (instruction === 'RUN') {
      stage.runs.push(args);
      const ran = await run('sh', ['-c', args], inStage(stage, '.'), timeoutMs, stage.env);
      assert.equal(ran.code, 0, `RUN ${args} (stage ${stage.name}):\n${ran.out}`);
    } else if (instruction === 'USER') {
      stage.user = args;
    } else if (instruction === 'HEALTHCHECK') {
      stage.healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
    } else if (instruction === 'CMD') {
      stage.cmd = JSON.parse(args) as string[];
    } else {
      assert.equal(instruction, 'EXPOSE', `the runner does not know ${instruction}`);
    }
  }
  return stages;
}

describe('a user outside the repository: pack, npm create, install, check, serve', { timeout: PACK_TIMEOUT_MS + 2 * CREATE_TIMEOUT_MS + 4 * SERVE_TIMEOUT_MS }, () => {
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
    assert.deepEqual(tarballs, ['create-tsgi-0.1.0.tgz', 'tsgi-0.1.0.tgz', 'tsgi-appserver-0.1.0.tgz', 'tsgi-framework-0.1.0.tgz', 'tsgi-head-gate-0.1.0.tgz', 'tsgi-idle-memory-0.1.0.tgz', 'tsgi-webserver-0.1.0.tgz']);
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

  it('the container recipe: multi-stage, npm ci --omit=dev, non-root, its CMD serves and its HEALTHCHECK passes', async () => {
    const recipe = join(ROOT, 'examples/deploy/container');
    await cp(join(recipe, 'Dockerfile'), join(project, 'Dockerfile'));
    await cp(join(recipe, '.dockerignore'), join(project, '.dockerignore'));
    const dockerfile = await readFile(join(project, 'Dockerfile'), 'utf8');
    const stages = await runDockerfile(dockerfile, project, join(dir, 'image'), CREATE_TIMEOUT_MS);
    assert.ok(stages.length >= 2, 'multi-stage');
    const image = stages.at(-1)!;
    assert.ok(image.runs.some((r) => /\bnpm ci --omit=dev\b/.test(r)), 'the image installs production dependencies only');
    assert.ok(image.user !== undefined && !/^(root|0)(:|$)/.test(image.user), `USER ${image.user} is not root`);
    const app = join(image.root, image.workdir);
    assert.equal((await readdir(join(app, 'node_modules'))).includes('typescript'), false, 'no dev dependency in the image');
    assert.ok((await readdir(join(app, 'staticfiles'))).includes('site.css'), 'collectstatic ran in the build stage');

    const port = await freePort();
    const local = (args: string[]) => args.map((a) => a.replace('0.0.0.0:8000', `127.0.0.1:${port}`).replace('127.0.0.1:8000', `127.0.0.1:${port}`));
    const [command, ...args] = local(image.cmd!);
    const env = { ...image.env, TSGI_SECRET_KEY: 'container-recipe-test-key-'.repeat(2), TSGI_ALLOWED_HOSTS: '127.0.0.1' };
    const server = serve(join(app, command!), args, app, env);
    servers.push(server);
    await waitForOutput(server, /Ready: 2 worker/, { timeoutMs: SERVE_TIMEOUT_MS, what: "the image's CMD" });
    const [healthCommand, ...healthArgs] = local(image.healthcheck!);
    const health = await run(healthCommand === 'node' ? process.execPath : healthCommand!, healthArgs, app, 30_000, env);
    assert.equal(health.code, 0, `HEALTHCHECK: ${health.out}`);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /mysite/);
    assert.equal(await stop(server, 'SIGTERM', SERVE_TIMEOUT_MS), 0, 'docker stop (TERM) stops it gracefully');
  });
});

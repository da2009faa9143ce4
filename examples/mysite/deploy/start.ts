/**
 * Runs the whole chain on the demo project, as the tutorial deploys it:
 * collectstatic -> tsgi-appserver (2 workers, DEBUG off) -> tsgi-webserver with
 * deploy/tsgi-webserver.toml (ports and STATIC_ROOT filled in). Ctrl-C stops both.
 *
 *   node --import tsx examples/mysite/deploy/start.ts [--port 8080] [--app-port 8000] [--workers 2]
 *
 * The servers run from their built bins (dist/, made by `npm install`); without dist/ they run
 * from source through tsx.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { collectStatic } from 'tsgi-framework/management';
import { settings } from '../mysite/settings.js';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, 'app-port': { type: 'string', default: '8000' }, workers: { type: 'string', default: '2' } },
});
const webPort = Number(values.port);
const appPort = Number(values['app-port']);

/** `node <bin>` when the package is built, else its CLI source through tsx. */
function command(pkg: 'appserver' | 'webserver', sourceEntry: string): string[] {
  const bin = join(REPO, `packages/${pkg}/bin/tsgi-${pkg}.js`);
  if (existsSync(join(REPO, `packages/${pkg}/dist/cli.js`))) return [bin];
  return ['--conditions=source', '--import', pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href, sourceEntry];
}

const collected = await collectStatic(settings);
process.stdout.write(`collectstatic: ${collected.copied.length} copied, ${collected.unmodified.length} unmodified, into ${collected.root}\n`);

const tmp = await mkdtemp(join(tmpdir(), 'tsgi-demo-'));
const config = (await readFile(join(PROJECT, 'deploy/tsgi-webserver.toml'), 'utf8'))
  .replace('server = ["127.0.0.1:8000"]', `server = ["127.0.0.1:${appPort}"]`)
  .replace('listen = ["8080"]', `listen = ["127.0.0.1:${webPort}"]`)
  .replace('alias = "/srv/mysite/staticfiles/"', `alias = ${JSON.stringify(`${collected.root}/`)}`);
const configFile = join(tmp, 'tsgi-webserver.toml');
await writeFile(configFile, config);

const children: ChildProcess[] = [];
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  })));
  await rm(tmp, { recursive: true, force: true });
  process.exit(code);
};
const start = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`start: ${args.join(' ')} exited (${signal ?? code}); stopping the chain\n`);
      void stop(1);
    }
  });
  children.push(child);
};

start([...command('appserver', join(REPO, 'packages/framework/src/management/testing/appserver-entry.ts')), '-b', `127.0.0.1:${appPort}`, '-w', values.workers!, 'mysite/tsgi.ts:application'], PROJECT, {
  TSGI_DEBUG: '0',
  TSGI_ALLOWED_HOSTS: '127.0.0.1,localhost',
  TSGI_SECRET_KEY: process.env.TSGI_SECRET_KEY ?? randomBytes(48).toString('base64url'),
});
start([...command('webserver', join(PROJECT, 'deploy/webserver-entry.ts')), '-c', configFile], tmp);
process.stdout.write(`\nThe demo: http://127.0.0.1:${webPort}/showcase/?name=Ada&tag=a&tag=b (tsgi-webserver -> tsgi-appserver on 127.0.0.1:${appPort})\nCtrl-C stops both.\n\n`);

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

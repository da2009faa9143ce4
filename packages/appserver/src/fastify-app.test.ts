/**
 * A Fastify instance under a real tsgi-appserver: each worker awaits ready() once before it
 * listens (a route a slow plugin registers answers the first request) and close() after it
 * drained (onClose hooks run); a plugin that fails stops the boot with its message; exporting
 * fastify.server or fastify.routing is refused with what to export instead.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';

/** A Fastify app whose lifecycle events go to `events.log` in the project, one line each. */
const LIFECYCLE_APP = `import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
const log = (line: string) => appendFileSync(new URL('./events.log', import.meta.url), \`\${line} \${process.pid}\\n\`);
const fastify = Fastify();
// A slow plugin: its route exists only once ready() has waited for it.
void fastify.register(async (instance) => {
  await sleep(300);
  instance.get('/late', async () => ({ late: true, pid: process.pid }));
});
fastify.addHook('onReady', async () => log('ready'));
fastify.addHook('onClose', async () => log('close'));
export const application = fastify;
`;

function lines(file: string, word: string): string[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith(`${word} `));
}

describe('a Fastify instance under tsgi-appserver', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'lifecycle.ts'), LIFECYCLE_APP);
    writeFileSync(
      join(project.dir, 'bad-plugin.ts'),
      `import Fastify from 'fastify';
const fastify = Fastify();
void fastify.register(async () => { throw new Error('plugin says no'); });
export const application = fastify;
`,
    );
    writeFileSync(join(project.dir, 'server.ts'), `import Fastify from 'fastify';\nexport const application = Fastify().server;\n`);
    writeFileSync(join(project.dir, 'routing.ts'), `import Fastify from 'fastify';\nexport const application = Fastify().routing;\n`);
  });
  after(() => project.remove());

  it('awaits ready() once per worker before serving, and close() once per worker at stop', async () => {
    const events = join(project.dir, 'events.log');
    const server = await startAppserver(['-w', '2', 'lifecycle.ts'], { cwd: project.dir });
    try {
      const res = await fetch(`${server.url}/late`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { late: boolean }).late, true);
      assert.equal(lines(events, 'ready').length, 2, readFileSync(events, 'utf8'));
      assert.equal(lines(events, 'close').length, 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const readyPids = lines(events, 'ready').map((l) => l.split(' ')[1]).sort();
    const closePids = lines(events, 'close').map((l) => l.split(' ')[1]).sort();
    assert.deepEqual(closePids, readyPids);
  });

  it('a plugin that fails in ready() stops the boot with its message (exit 3, as a failing startup hook)', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', 'bad-plugin.ts'], { cwd: project.dir });
    assert.equal(await p.exited(), 3);
    assert.match(p.output(), /plugin says no/);
  });

  it('refuses fastify.server with exit 4, naming what to export', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', 'server.ts'], { cwd: project.dir });
    assert.equal(await p.exited(), 4);
    assert.match(p.output(), /server\.ts:application: found a server object \(such as fastify\.server.*export const application = fastify/);
  });

  it('refuses a bare fastify.routing with exit 4, naming what to export', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', 'routing.ts'], { cwd: project.dir });
    assert.equal(await p.exited(), 4);
    assert.match(p.output(), /routing\.ts:application: found fastify\.routing alone: export the Fastify instance itself \(export const application = fastify\)/);
  });

  it('--check-config names a Fastify instance without starting it', async () => {
    const events = join(project.dir, 'events.log');
    const readyBefore = lines(events, 'ready').length;
    const p = spawnAppserver(['--check-config', 'lifecycle.ts'], { cwd: project.dir });
    assert.equal(await p.exited(), 0);
    assert.match(p.stdout(), /lifecycle\.ts:application is a Node \(req, res\) app: it is a Fastify instance/);
    assert.equal(lines(events, 'ready').length, readyBefore, 'ready() ran under --check-config');
  });
});

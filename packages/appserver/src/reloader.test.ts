/**
 * `--reload` through a real server: an edit to a file the app imports replaces the workers; a
 * syntax error keeps the old workers serving and the log names the error; fixing it switches the
 * responses; one made during a reload is not lost. `--reload-extra-file` adds a file the app reads.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServerLogger } from './logger.js';
import { Reloader } from './reloader.js';
import { spawnAppserver, startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

const greet = (word: string) => `export const greet = (): string => '${word}';\n`;

/** GETs `url` on fresh connections until the body is `want` (an old worker may still drain a kept-alive one). */
async function untilBody(url: string, want: string, timeoutMs = 30_000): Promise<void> {
  let body = '';
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    body = await (await fetch(url, { headers: { connection: 'close' } })).text();
    if (body === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(body, want, `the response did not switch to ${JSON.stringify(want)} within ${timeoutMs} ms`);
}

describe('--reload', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    mkdirSync(join(project.dir, 'lib'));
    writeFileSync(join(project.dir, 'lib/greet.ts'), greet('v1'));
    writeFileSync(join(project.dir, 'motd.txt'), 'sunny');
    writeFileSync(
      join(project.dir, 'app.ts'),
      `import { readFileSync } from 'node:fs';
import { greet } from './lib/greet.js';
const motd = readFileSync(new URL('./motd.txt', import.meta.url), 'utf8');
export const application = (request: Request) => new Response(new URL(request.url).pathname === '/motd' ? motd : greet());
`,
    );
  });
  after(() => project.remove());

  it('an edit replaces the workers; a syntax error keeps the old ones and is logged; the fix switches', async () => {
    const server = await startAppserver(['-w', '2', '--reload', 'app.ts'], { cwd: project.dir });
    try {
      assert.match(server.output(), /--reload: watching 2 file\(s\) for changes/);
      await untilBody(server.url, 'v1');

      writeFileSync(join(project.dir, 'lib/greet.ts'), greet('v2'));
      await untilBody(server.url, 'v2');
      await server.waitFor(/--reload: lib\/greet\.ts changed; replacing the workers[^]*Reload done/);

      const before = server.output().length;
      writeFileSync(join(project.dir, 'lib/greet.ts'), `export const greet = (): string => 'v3'\n  oops(;\n`);
      await waitAfter(server, before, /Reload failed, keeping the running workers: cannot import app\.ts: [^]*lib\/greet\.ts:2:\d+: ERROR: Unexpected ";"/);
      for (let i = 0; i < 5; i++) assert.equal(await (await fetch(server.url, { headers: { connection: 'close' } })).text(), 'v2');

      writeFileSync(join(project.dir, 'lib/greet.ts'), greet('v4'));
      await untilBody(server.url, 'v4');

      // A change while a reload is under way is not lost: another reload follows it.
      const during = server.output().length;
      writeFileSync(join(project.dir, 'lib/greet.ts'), greet('v5'));
      await waitAfter(server, during, /Reloading: starting 2 new worker/);
      writeFileSync(join(project.dir, 'lib/greet.ts'), greet('v6'));
      await waitAfter(server, during, /A reload is under way; another will follow once it ends/);
      await untilBody(server.url, 'v6');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('--reload-extra-file: a file the app reads at start reloads it too', async () => {
    const server = await startAppserver(['--reload', '--reload-extra-file', 'motd.txt', 'app.ts'], { cwd: project.dir });
    try {
      assert.match(server.output(), /--reload: watching 3 file\(s\) for changes/);
      await untilBody(`${server.url}/motd`, 'sunny');
      writeFileSync(join(project.dir, 'motd.txt'), 'rainy');
      await untilBody(`${server.url}/motd`, 'rainy');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('--reload-extra-file needs --reload, and an existing path', async () => {
    const alone = spawnAppserver(['--reload-extra-file', 'motd.txt', 'app.ts'], { cwd: project.dir });
    assert.equal(await alone.exited(), 2);
    assert.match(alone.output(), /--reload-extra-file needs --reload/);
    const missing = spawnAppserver(['--reload', '--reload-extra-file', 'nope.txt', 'app.ts'], { cwd: project.dir });
    assert.equal(await missing.exited(), 2);
    assert.match(missing.output(), /--reload-extra-file: got "nope\.txt"; no such file or directory/);
  });
});

/** Waits for `pattern` in the output written after `offset`. */
async function waitAfter(server: AppserverProcess, offset: number, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (pattern.test(server.output().slice(offset))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no ${pattern} in the output within ${timeoutMs} ms:\n${server.output().slice(offset)}`);
}

describe('Reloader', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    mkdirSync(join(project.dir, 'templates'));
    writeFileSync(join(project.dir, 'app.ts'), `export const application = () => new Response('x');\n`);
  });
  after(() => project.remove());

  it('a burst of saves is one change; a directory given as an extra file watches what is in it', async () => {
    const calls: string[][] = [];
    let notify = (): void => {};
    const reloader = await Reloader.start({
      appFile: join(project.dir, 'app.ts'),
      cwd: project.dir,
      extraFiles: ['templates'],
      log: createServerLogger('-', 'error'),
      onChange: (changed) => {
        calls.push([...changed].sort());
        notify();
      },
    });
    try {
      assert.deepEqual(reloader.files, [join(project.dir, 'app.ts')]);
      const called = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`onChange was called ${calls.length} time(s), not ${n}, within 10 s`)), 10_000);
          notify = () => {
            if (calls.length < n) return;
            clearTimeout(timer);
            resolve();
          };
          notify();
        });
      for (let i = 0; i < 5; i++) writeFileSync(join(project.dir, 'app.ts'), `export const application = () => new Response('${i}');\n`);
      await called(1);
      writeFileSync(join(project.dir, 'templates/page.html'), '<p>new</p>');
      await called(2);
      // Had the burst of five saves been split, the second call would name app.ts again.
      assert.deepEqual(calls, [[join(project.dir, 'app.ts')], [join(project.dir, 'templates/page.html')]]);
    } finally {
      reloader.close();
    }
  });
});

/**
 * create-tsgi's answers to every kind of input, in this process with --no-install (the full
 * flow with npm install is outside-user.test.ts): the project written is startproject's, --from
 * rewrites only the tsgi dependencies, and each refusal says what to fix before anything is
 * written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from 'tsgi-test-support';
import type { CliIo } from './cli.js';
import { main } from './cli.js';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function create(argv: string[], cwd: string, extra: Partial<CliIo> = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd, env: {},
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ask: undefined,
    ...extra,
  });
  return { code, stdout, stderr };
}

/** Empty files named as npm pack names its tarballs: --from reads names only until npm install. */
async function fakePacks(dir: string, names: readonly string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of names) await writeFile(join(dir, name), '');
  return dir;
}

const ALL = ['tsgi-head-gate-0.1.0.tgz', 'tsgi-idle-memory-0.1.0.tgz', 'tsgi-0.1.0.tgz', 'tsgi-appserver-0.1.0.tgz', 'tsgi-webserver-0.1.0.tgz', 'tsgi-framework-0.1.0.tgz', 'create-tsgi-0.1.0.tgz'];

describe('create-tsgi', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('create-tsgi-')));
  after(() => cleanup());

  it('given a name, writes the startproject layout without asking and prints cd + npm install + npm run dev', async () => {
    const asked: string[] = [];
    const result = await create(['mysite', '--no-install'], dir, { ask: async (q) => (asked.push(q), 'never') });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(asked, []);
    assert.equal(result.stdout, `\nCreated ${join(dir, 'mysite')}. Now run:\n\n  cd mysite\n  npm install\n  npm run dev\n\n` +
      '`npm run dev` serves it on http://127.0.0.1:8000/ and restarts on save; README.md has the rest.\n');
    assert.deepEqual((await readdir(join(dir, 'mysite'))).sort(), ['.gitignore', 'README.md', 'manage.ts', 'mysite', 'package.json', 'static', 'templates', 'tsconfig.json']);
    const manifest = JSON.parse(await readFile(join(dir, 'mysite/package.json'), 'utf8')) as { dependencies: Record<string, string>; overrides?: unknown; scripts: Record<string, string> };
    assert.equal(manifest.dependencies['tsgi-framework'], '^0.1.0', 'the registry release by default');
    assert.equal(manifest.overrides, undefined);
    for (const script of ['dev', 'check', 'start', 'web', 'collectstatic']) assert.ok(manifest.scripts[script], `script ${script}`);
  });

  it('--from DIR: the tsgi dependencies and overrides point at the tarballs; nothing else changes', async () => {
    const packs = await fakePacks(join(dir, 'packs'), [...ALL, 'unrelated.txt']);
    const result = await create(['fromsite', '--from', 'packs', '--no-install'], dir);
    assert.equal(result.code, 0, result.stderr);
    const manifest = JSON.parse(await readFile(join(dir, 'fromsite/package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; overrides: Record<string, string> };
    const file = (name: string) => `file:${join(packs, `${name}-0.1.0.tgz`)}`;
    assert.deepEqual(manifest.dependencies, {
      tsgi: file('tsgi'), 'tsgi-appserver': file('tsgi-appserver'), 'tsgi-framework': file('tsgi-framework'), 'tsgi-webserver': file('tsgi-webserver'), tsx: '^4.20.0',
    });
    assert.deepEqual(Object.keys(manifest.overrides).sort(), ['tsgi', 'tsgi-appserver', 'tsgi-framework', 'tsgi-head-gate', 'tsgi-idle-memory', 'tsgi-webserver']);
    assert.equal(manifest.overrides['tsgi-head-gate'], file('tsgi-head-gate'));
    assert.equal(manifest.devDependencies.typescript, '^5.9.0');
  });

  it('CREATE_TSGI_FROM is the default for --from', async () => {
    const packs = await fakePacks(join(dir, 'envpacks'), ALL);
    const result = await create(['envsite', '--no-install'], dir, { env: { CREATE_TSGI_FROM: packs } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(await readFile(join(dir, 'envsite/package.json'), 'utf8'), /"tsgi": "file:.*envpacks\/tsgi-0\.1\.0\.tgz"/);
  });

  it('refuses a bad --from before writing anything', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['nowhere', [], /--from \/.*\/nowhere: not a readable directory/],
      ['emptypacks', [], /--from \/.*\/emptypacks: no package tarballs \(\*-VERSION\.tgz\) there/],
      ['twopacks', [...ALL, 'tsgi-0.2.0.tgz'], /two tarballs of tsgi \(.*tsgi-0\.1\.0\.tgz and tsgi-0\.2\.0\.tgz\); keep one/],
      ['fewpacks', ['tsgi-0.1.0.tgz', 'tsgi-framework-0.1.0.tgz'], /no tarball for tsgi-appserver, tsgi-webserver \(run `npm run pack`/],
    ];
    for (const [folder, files, message] of cases) {
      if (folder !== 'nowhere') await fakePacks(join(dir, folder), files);
      const result = await create([`site_${folder}`, '--from', folder, '--no-install'], dir);
      assert.equal(result.code, 1, folder);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /^create-tsgi: /);
    }
    const left = (await readdir(dir)).filter((name) => name.startsWith('site_'));
    assert.deepEqual(left, [], 'no half-made project is left behind');
  });

  it("passes startproject's refusals through: an existing folder, an invalid name", async () => {
    await mkdir(join(dir, 'taken'));
    const taken = await create(['taken', '--no-install'], dir);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^create-tsgi: '.*taken' already exists\n$/);
    const invalid = await create(['my-site', '--no-install'], dir);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /'my-site' is not a valid project name/);
  });

  it('usage errors exit 2 with the usage; without a name it asks on a terminal, else refuses', async () => {
    const unknown = await create(['--frobnicate', 'x'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^usage: create-tsgi \[options\] NAME/);
    assert.match(unknown.stderr, /create-tsgi: error: Unknown option '--frobnicate'/);
    const two = await create(['a', 'b'], dir);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /one NAME, got 2: a b/);
    const none = await create([], dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /NAME is required/);
    const asked = await create(['--no-install'], dir, { ask: async () => '  askedsite \n' });
    assert.equal(asked.code, 0, asked.stderr);
    assert.ok((await readdir(join(dir, 'askedsite'))).includes('manage.ts'));
    const help = await create(['--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--from DIR/);
    const version = await create(['-v'], dir);
    assert.equal(version.stdout, '0.1.0\n');
  });

  it('the bin (bin/create-tsgi.js -> dist/cli.js) runs with plain node', async (t) => {
    const bin = fileURLToPath(new URL('../bin/create-tsgi.js', import.meta.url));
    const dist = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    try {
      await readFile(dist);
    } catch {
      t.skip('packages/create-tsgi/dist is not built (npx tsc -b)');
      return;
    }
    const made = spawnSync(process.execPath, [bin, 'binsite', '--no-install'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /cd binsite\n {2}npm install\n {2}npm run dev/);
    const bad = spawnSync(process.execPath, [bin, 'binsite', '--no-install'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /already exists/);
  });
});

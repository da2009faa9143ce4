/**
 * `manage.ts test` in a project made by startproject, as real processes: the sample tests pass
 * (exit 0), a failing test makes exit 1, a path and --pattern narrow the run, -k picks tests by
 * name, an app made by startapp brings a passing test, and a broken settings module stops before
 * any test runs.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { discoverTestFiles, globToRegExp } from './test-discovery.js';
import { makeProject, run } from './testing/processes.js';

describe('manage.ts test', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const manage = (args: string[]) => run(['manage.ts', ...args], { cwd: root, timeoutMs: 120_000 });

  before(async () => {
    ({ root, cleanup } = await makeProject('mysite'));
  });
  after(() => cleanup?.());

  it("runs the new project's sample tests: exit 0", async () => {
    const r = await manage(['test']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Found 1 test file: mysite\/views\.test\.ts/);
    assert.match(r.stdout, /the home page says the install worked/);
    assert.match(r.stdout, /an unknown URL is 404/);
    assert.match(r.stdout, /pass 2/);
    assert.match(r.stdout, /fail 0/);
  });

  it('a failing test makes exit 1 and is named; a path or --pattern narrows the run', async () => {
    await mkdir(join(root, 'extra'));
    await writeFile(
      join(root, 'extra/broken.test.ts'),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\ntest('arithmetic is broken', () => assert.equal(1 + 1, 3));\n",
    );
    try {
      const failed = await manage(['test']);
      assert.equal(failed.code, 1, failed.stdout + failed.stderr);
      assert.match(failed.stdout, /Found 2 test files: extra\/broken\.test\.ts, mysite\/views\.test\.ts/);
      assert.match(failed.stdout, /arithmetic is broken/);
      assert.match(failed.stdout, /fail 1/);

      const onlyDir = await manage(['test', 'mysite']);
      assert.equal(onlyDir.code, 0, onlyDir.stdout + onlyDir.stderr);
      assert.match(onlyDir.stdout, /Found 1 test file: mysite\/views\.test\.ts/);
      const onlyFile = await manage(['test', 'extra/broken.test.ts']);
      assert.equal(onlyFile.code, 1);
      assert.match(onlyFile.stdout, /Found 1 test file: extra\/broken\.test\.ts/);

      const byName = await manage(['test', '-k', 'unknown URL']);
      assert.equal(byName.code, 0, byName.stdout + byName.stderr);
      assert.match(byName.stdout, /fail 0/);
      assert.match(byName.stdout, /unknown URL is 404/);
      // The others do not run: Node 20 lists them as filtered out, Node 24 leaves them out.
      const broken = byName.stdout.split('\n').filter((line) => line.includes('arithmetic is broken'));
      assert.ok(broken.every((line) => /# test name does not match pattern/.test(line)), `the failing test ran: ${broken.join(' | ')}`);

      const none = await manage(['test', '--pattern', '*.spec.ts']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /CommandError: no test files named '\*\.spec\.ts' under /);
    } finally {
      await rm(join(root, 'extra'), { recursive: true });
    }
  });

  it('startapp brings a sample test that passes with the rest', async () => {
    const made = await manage(['startapp', 'polls']);
    assert.equal(made.code, 0, made.stderr);
    const r = await manage(['test', '--parallel', '2']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Found 2 test files: mysite\/views\.test\.ts, polls\/views\.test\.ts/);
    assert.match(r.stdout, /pass 4/);
    const bad = await manage(['test', '--parallel', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--parallel must be a whole number/);
  });

  it('settings that do not load stop the run before any test, with the file named', async () => {
    await writeFile(join(root, 'mysite/broken-settings.ts'), 'export const settings = defineSettings({ DEBUG: "yes" });\n');
    const broken = await run(
      ['--input-type=module', '-e', `
        import { executeFromCommandLine } from 'tsgi-framework/management';
        process.exitCode = await executeFromCommandLine(['test'], { project: { baseDir: ${JSON.stringify(root)}, settings: 'mysite/broken-settings.ts', application: 'mysite/tsgi.ts:application' } });
      `],
      { cwd: root, timeoutMs: 60_000 },
    );
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stderr, /CommandError: \(tsgi\.E001\) Could not load the settings module .*broken-settings\.ts/);
    assert.doesNotMatch(broken.stdout, /Found \d+ test file/);
  });
});

describe('test discovery', () => {
  it('globToRegExp: * and ? only, the rest literal', () => {
    assert.ok(globToRegExp('*.test.ts').test('views.test.ts'));
    assert.ok(!globToRegExp('*.test.ts').test('views.test.tsx'));
    assert.ok(!globToRegExp('*.test.ts').test('viewsXtestXts'));
    assert.ok(globToRegExp('test_?.ts').test('test_1.ts'));
    assert.ok(!globToRegExp('(a).ts').test('a.ts'));
  });

  it('skips node_modules, hidden and excluded directories', async () => {
    const { tempDir } = await import('tsgi-test-support');
    const { dir, cleanup } = await tempDir('tsgi-fw-discover-');
    try {
      for (const d of ['a/b', 'node_modules/x', '.cache', 'staticfiles']) await mkdir(join(dir, d), { recursive: true });
      for (const f of ['a/b/one.test.ts', 'a/two.test.ts', 'a/helper.ts', 'node_modules/x/no.test.ts', '.cache/no.test.ts', 'staticfiles/no.test.ts']) {
        await writeFile(join(dir, f), '');
      }
      const found = await discoverTestFiles(dir, { exclude: [join(dir, 'staticfiles')] });
      assert.deepEqual(found, [join(dir, 'a/b/one.test.ts'), join(dir, 'a/two.test.ts')]);
      assert.deepEqual(await discoverTestFiles(join(dir, 'a/helper.ts')), [], 'a file not matching the pattern');
    } finally {
      await cleanup();
    }
  });
});

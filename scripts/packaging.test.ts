/**
 * What `npm publish` would ship for each workspace package: every file its `exports` and `bin`
 * point at, and none of the repository's tests, test helpers or test data.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Paths that are for this repository's tests only (a project template's `views.test.ts-tpl` ships: new projects get it). */
const TEST_ONLY = /(^|\/)(?:[^/]+\.test\.[cm]?[jt]s(?:\.map)?$|[^/]+\.test\.d\.ts(?:\.map)?$|test-support\/|test-fixtures\/|testdata\/)|^(?:dist|src)\/testing\/|^(?:dist|src)\/management\/testing\//;

/** Every file path named by an `exports` map (all conditions but `source`) and `bin`. */
function declaredTargets(manifest: { exports?: unknown; bin?: string | Record<string, string> }): string[] {
  const out: string[] = [];
  const walk = (node: unknown, condition: string): void => {
    if (typeof node === 'string') {
      if (condition !== 'source') out.push(node.replace(/^\.\//, ''));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, key);
    }
  };
  walk(manifest.exports, '');
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  out.push(...bins.map((b) => b.replace(/^\.\//, '')));
  return out;
}

for (const dir of ['head-gate', 'tsgi', 'appserver', 'webserver', 'framework']) {
  test(`packages/${dir}: the npm package holds what it declares and no test-only files`, () => {
    const cwd = join(root, 'packages', dir);
    const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name: string; exports?: unknown; bin?: Record<string, string> };
    const packed = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(packed[0]!.files.map((f) => f.path));
    // appserver's `./testing` subpath is public API (the conformance harness): allowed there only.
    const exported = (path: string) => dir === 'appserver' && /^(?:dist|src)\/testing\//.test(path);
    const leaked = [...files].filter((path) => TEST_ONLY.test(path) && !exported(path));
    assert.deepEqual(leaked, [], `${manifest.name} would publish test-only files`);
    for (const target of declaredTargets(manifest)) {
      assert.ok(files.has(target), `${manifest.name}: ${target} (from exports/bin) is not in the package`);
    }
    assert.ok(files.has('README.md'), `${manifest.name}: README.md is not in the package`);
  });
}

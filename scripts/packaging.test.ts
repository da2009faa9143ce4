/**
 * What `npm publish` would ship for each workspace package: every file its `exports` and `bin`
 * point at, README and LICENSE, none of the repository's tests, test helpers or test data; and
 * the metadata a provenance-signed publish needs (repository with the package's directory,
 * license, engines no narrower than any runtime dependency's, inter-package versions that
 * install together). `npm publish --dry-run` must have nothing to correct.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { versionProblems, workspaces } from './pack.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PUBLISHED = ['head-gate', 'idle-memory', 'tsgi', 'appserver', 'webserver', 'framework', 'create-tsgi'];

/** Paths that are for this repository's tests only (a project template's `views.test.ts-tpl` ships: new projects get it). */
const TEST_ONLY = /(^|\/)(?:[^/]+\.test\.[cm]?[jt]s(?:\.map)?$|[^/]+\.test\.d\.ts(?:\.map)?$|test-support\/|test-fixtures\/|testdata\/)|^(?:dist|src)\/testing\/|^(?:dist|src)\/management\/testing\//;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  dependencies?: Record<string, string>;
}

interface LockEntry {
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
const lock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;

/** Every file path named by an `exports` map (all conditions but `source`) and `bin`. */
function declaredTargets(manifest: Manifest): string[] {
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

/** Node's lookup over package-lock paths: `name` required from the package at `from` ('' is the root). */
function lockResolve(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.includes('/') ? dirname(dir) : '') {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
  }
}

/** The lock paths of a workspace's runtime dependency closure (workspace links followed). */
function runtimeClosure(workspaceDir: string): Map<string, LockEntry> {
  const seen = new Map<string, LockEntry>();
  const queue = [`packages/${workspaceDir}`];
  for (let steps = 0; queue.length > 0 && steps < 10_000; steps++) {
    const at = queue.shift()!;
    const entry = lock[at]!;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      let path = lockResolve(at, name);
      if (path === undefined) continue; // an optional dependency for another platform
      if (lock[path]!.link === true) path = lock[path]!.resolved!;
      if (seen.has(path)) continue;
      seen.set(path, lock[path]!);
      queue.push(path);
    }
  }
  return seen;
}

const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
const rootRepository = (manifestOf('tsgi').repository ?? {}).url;

for (const dir of PUBLISHED) {
  test(`packages/${dir}: the npm package holds what it declares and no test-only files`, () => {
    const cwd = join(root, 'packages', dir);
    const manifest = manifestOf(dir);
    const packed = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(packed[0]!.files.map((f) => f.path));
    // appserver's `./testing` subpath is public API (the conformance harness): allowed there only.
    const exported = (path: string) => dir === 'appserver' && /^(?:dist|src)\/testing\//.test(path);
    const leaked = [...files].filter((path) => TEST_ONLY.test(path) && !exported(path));
    assert.deepEqual(leaked, [], `${manifest.name} would publish test-only files`);
    for (const target of declaredTargets(manifest)) {
      assert.ok(files.has(target), `${manifest.name}: ${target} (from exports/bin) is not in the package`);
    }
    for (const file of ['README.md', 'LICENSE', 'package.json']) assert.ok(files.has(file), `${manifest.name}: ${file} is not in the package`);
    assert.ok([...files].some((f) => f.startsWith('dist/') && f.endsWith('.js')), `${manifest.name}: no dist/*.js (run tsc -b)`);
  });

  test(`packages/${dir}: provenance-ready metadata (license, repository, engines, versions)`, () => {
    const manifest = manifestOf(dir);
    assert.notEqual(manifest.private, true, `${manifest.name} is published`);
    assert.equal(manifest.license, 'MIT');
    assert.equal(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8'), rootLicense, `packages/${dir}/LICENSE is the repository's LICENSE`);
    // npm provenance checks that the package's repository is the one that built it.
    assert.deepEqual(manifest.repository, { type: 'git', url: rootRepository, directory: `packages/${dir}` });
    assert.match(rootRepository ?? '', /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    const ours = manifest.engines?.node;
    assert.ok(ours !== undefined && semver.validRange(ours) !== null, `${manifest.name}: engines.node is a valid range`);
    const narrower: string[] = [];
    for (const [path, entry] of runtimeClosure(dir)) {
      const theirs = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (theirs !== undefined && !semver.subset(ours, theirs)) narrower.push(`${path}@${entry.version} wants node ${theirs}`);
    }
    assert.deepEqual(narrower, [], `${manifest.name} engines.node ${ours} admits Node versions a runtime dependency refuses`);
    // A bin path with ./ is "auto-corrected" (and warned about) by npm publish.
    for (const target of Object.values(manifest.bin ?? {})) assert.doesNotMatch(target, /^\.\//, `${manifest.name}: bin ${target}`);
  });

  test(`packages/${dir}: npm publish --dry-run has nothing to correct`, () => {
    const cwd = join(root, 'packages', dir);
    const result = spawnSync(npm, ['publish', '--dry-run', '--ignore-scripts'], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    // The one warning left is that nobody is logged in, which a dry run does not need.
    const warnings = result.stderr.split('\n').filter((line) => /^npm (warn|error)/.test(line) && !/requires you to be logged in/.test(line));
    assert.deepEqual(warnings, []);
  });
}

test('every dependency on another workspace names the version that workspace has', () => {
  assert.deepEqual(versionProblems(workspaces().map((w) => w.manifest)), []);
  // And a disagreement is found: a range, or another version, would let npm pick a registry copy.
  const drifted = versionProblems([
    { name: 'tsgi', version: '0.2.0' },
    { name: 'tsgi-appserver', version: '0.2.0', dependencies: { tsgi: '^0.1.0', tsx: '^4' } },
  ]);
  assert.deepEqual(drifted, ['tsgi-appserver dependencies: tsgi@^0.1.0, but the workspace is 0.2.0: pin it to 0.2.0']);
});

test('the generated project asks for a Node every tsgi package supports', () => {
  const template = readFileSync(join(root, 'packages/framework/src/project-template/package.json-tpl'), 'utf8');
  const project = JSON.parse(template.replace(/\{\{\s*[a-z_]+\s*\}\}/g, '0.0.0')) as Manifest;
  for (const dir of PUBLISHED) {
    const theirs = manifestOf(dir).engines!.node!;
    assert.ok(semver.subset(project.engines!.node!, theirs), `the project template's engines ${project.engines!.node} vs ${dir}'s ${theirs}`);
  }
});

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { executeFromCommandLine } from './execute.js';
import type { RunResult } from './testing/processes.js';
import { REPO_ROOT, runAdmin } from './testing/processes.js';
import { tempDir } from 'tsgi-test-support';

/**
 * tsgi-admin in this process (the same dispatcher the bin runs): fast enough to try every
 * refusal; the first test and the bin test run real processes.
 */
async function admin(args: string[], cwd: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await executeFromCommandLine(args, {
    prog: 'tsgi-admin', cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('tsgi-admin startproject and startapp', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  it('writes a complete project with a fresh 50-character secret key', async () => {
    const result = await runAdmin(['startproject', 'mysite'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Created project 'mysite'/);
    const files = await listFiles(join(dir, 'mysite'));
    assert.deepEqual(files, [
      '.gitignore', 'README.md', 'manage.ts', 'mysite/settings.ts', 'mysite/tsgi.ts', 'mysite/urls.ts',
      'mysite/views.test.ts', 'mysite/views.ts', 'package.json', 'static/site.css', 'templates/home.html', 'tsconfig.json',
    ]);
    const settings = await readFile(join(dir, 'mysite/mysite/settings.ts'), 'utf8');
    const key = /'tsgi-insecure-([^']+)'/.exec(settings)?.[1];
    assert.ok(key, 'settings.ts holds a generated key');
    assert.equal(key.length, 50);
    assert.ok(new Set(key).size >= 20, 'the key is random, not repetitive');
    assert.doesNotMatch(settings, /\{\{/, 'every placeholder is filled');
    assert.match(await readFile(join(dir, 'mysite/mysite/tsgi.ts'), 'utf8'), /export const application = getTsgiApplication\(settings\)/);
    const manage = join(dir, 'mysite/manage.ts');
    assert.match(await readFile(manage, 'utf8'), /settings: 'mysite\/settings\.ts'/);
    assert.ok(((await stat(manage)).mode & 0o100) !== 0, 'manage.ts is executable');
    const pkg = JSON.parse(await readFile(join(dir, 'mysite/package.json'), 'utf8')) as {
      name: string; type: string; scripts: Record<string, string>; dependencies: Record<string, string>;
    };
    assert.equal(pkg.name, 'mysite');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.scripts.start, 'tsgi-appserver -b 127.0.0.1:8000 -w 2 mysite/tsgi.ts:application');
    assert.equal(pkg.scripts.dev, 'tsx manage.ts runserver');
    for (const dep of ['tsgi', 'tsgi-appserver', 'tsgi-framework', 'tsgi-webserver']) assert.match(pkg.dependencies[dep] ?? '', /^\^\d+\.\d+\.\d+$/);
    assert.equal(pkg.scripts.check, 'tsc --noEmit && tsx manage.ts check', 'check = typecheck + system checks');
    assert.match(result.stdout, /Next:\n {2}cd mysite\n {2}npm install\n {2}npx tsx manage\.ts runserver\n$/, 'outside an installed tree: install first');
    assert.equal(pkg.scripts.test, 'tsx manage.ts test');

    const second = await runAdmin(['startproject', 'othersite'], dir);
    assert.equal(second.code, 0, second.stderr);
    const key2 = /'tsgi-insecure-([^']+)'/.exec(await readFile(join(dir, 'othersite/othersite/settings.ts'), 'utf8'))?.[1];
    assert.notEqual(key2, key, 'every project gets its own key');
  });

  it('refuses an existing target directory without touching it', async () => {
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken/keep.txt'), 'mine');
    const result = await admin(['startproject', 'taken'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^CommandError: '.*taken' already exists$/m);
    assert.deepEqual(await readdir(join(dir, 'taken')), ['keep.txt']);
  });

  it('fills an existing DIRECTORY, but never overwrites a file in it', async () => {
    const target = join(dir, 'into');
    await mkdir(target);
    assert.equal((await admin(['startproject', 'proj', 'into'], dir)).code, 0);
    await writeFile(join(target, 'proj/urls.ts'), '// edited by hand\n');
    const again = await admin(['startproject', 'proj', 'into'], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /proj\/urls\.ts'.*already exist.*won't replace conflicting files/s);
    assert.equal(await readFile(join(target, 'proj/urls.ts'), 'utf8'), '// edited by hand\n');
    const missing = await admin(['startproject', 'proj', 'nowhere'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Destination directory '.*nowhere' does not exist, please create it first\./);
  });

  it('inside a tree that already has tsgi-framework (this repository), says no npm install is needed', async () => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'node_modules/tsgi-framework'), { recursive: true });
    await writeFile(join(tree, 'node_modules/tsgi-framework/package.json'), '{"name":"tsgi-framework","version":"0.1.0"}');
    await mkdir(join(tree, 'sub'));
    const result = await admin(['startproject', 'nested'], join(tree, 'sub'));
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`No npm install needed: it uses the packages in ${join(tree, 'node_modules')}.\n`), result.stdout);
    assert.match(result.stdout, /Next:\n {2}cd nested\n {2}npx tsx manage\.ts runserver\n$/);
    assert.doesNotMatch(result.stdout, /npm install\n/);
  });

  it('validates the name: identifier, not a built-in, not an importable package', async () => {
    const invalid = await admin(['startproject', 'my-site'], dir);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /'my-site' is not a valid project name\. Please make sure the name is a valid identifier/);
    assert.equal((await admin(['startproject', 'class'], dir)).code, 1);
    const builtin = await admin(['startproject', 'crypto'], dir);
    assert.equal(builtin.code, 1);
    assert.match(builtin.stderr, /'crypto' conflicts with the name of a Node built-in module/);
    // A package the directory can import (express is in the monorepo's node_modules).
    const withModules = join(dir, 'withmodules');
    await mkdir(withModules);
    await symlink(join(REPO_ROOT, 'node_modules'), join(withModules, 'node_modules'), 'dir');
    const taken = await admin(['startproject', 'express'], withModules);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /'express' conflicts with the name of an existing Node module/);
    assert.deepEqual((await readdir(withModules)).sort(), ['node_modules']);
  });

  it('answers usage errors with exit code 2 and the usage line', async () => {
    const none = await admin(['startproject'], dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: tsgi-admin startproject \[--template DIR\] name \[directory\]\ntsgi-admin startproject: error: the following arguments are required: name/);
    const bad = await admin(['startproject', '--frobnicate', 'x'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown option '--frobnicate'/);
    const unknown = await admin(['startprojekt', 'x'], dir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown command: 'startprojekt'\nType 'tsgi-admin help' for usage\./);
  });

  it('help lists the commands declared in the registry; project commands need manage.ts', async () => {
    const help = await admin(['help'], dir);
    assert.equal(help.code, 0);
    for (const name of ['check', 'collectstatic', 'runserver', 'startapp', 'startproject']) assert.match(help.stdout, new RegExp(`^ {4}${name} `, 'm'));
    const one = await admin(['help', 'startapp'], dir);
    assert.match(one.stdout, /^usage: tsgi-admin startapp \[--template DIR\] name \[directory\]/);
    const check = await admin(['check'], dir);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /'check' needs a project's settings.*manage\.ts check/);
  });

  it('the installed bin (bin/tsgi-admin.js -> dist/cli.js) works with plain node', async (t) => {
    const bin = join(REPO_ROOT, 'packages/framework/bin/tsgi-admin.js');
    try {
      await stat(join(REPO_ROOT, 'packages/framework/dist/cli.js'));
    } catch {
      t.skip('packages/framework/dist is not built (npx tsc -b)');
      return;
    }
    const { spawnSync } = await import('node:child_process');
    const help = spawnSync(process.execPath, [bin, 'help'], { cwd: dir, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /startproject/);
    const made = spawnSync(process.execPath, [bin, 'startproject', 'binsite'], { cwd: dir, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    assert.ok((await stat(join(dir, 'binsite/binsite/tsgi.ts'))).isFile(), 'templates are found from dist/ too');
    const bad = spawnSync(process.execPath, [bin, 'startproject', 'binsite'], { cwd: dir, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^CommandError: .*already exists/m);
  });

  it('--template DIR copies your own skeleton, rendering only the -tpl files', async () => {
    const skeleton = join(dir, 'skeleton');
    await mkdir(join(skeleton, 'project_name'), { recursive: true });
    await writeFile(join(skeleton, 'project_name/settings.ts-tpl'), "export const name = '{{ project_name }}';\n");
    await writeFile(join(skeleton, 'NOTES.md'), 'kept as is: {{ project_name }}\n');
    const made = await admin(['startproject', 'custom', '--template', 'skeleton'], dir);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await readFile(join(dir, 'custom/custom/settings.ts'), 'utf8'), "export const name = 'custom';\n");
    assert.equal(await readFile(join(dir, 'custom/NOTES.md'), 'utf8'), 'kept as is: {{ project_name }}\n');
    const missing = await admin(['startproject', 'other', '--template', 'nope'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /CommandError: couldn't handle project template .*nope: it is not a directory\./);
    await assert.rejects(stat(join(dir, 'other')), 'nothing is created when the template is missing');
  });

  it('startapp writes views, urls, a template and a static directory', async () => {
    const result = await admin(['startapp', 'polls'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await listFiles(join(dir, 'polls')), ['static/polls/style.css', 'templates/polls/index.html', 'urls.ts', 'views.test.ts', 'views.ts']);
    assert.match(await readFile(join(dir, 'polls/views.ts'), 'utf8'), /render\(request, 'polls\/index\.html'/);
    assert.match(await readFile(join(dir, 'polls/templates/polls/index.html'), 'utf8'), /it\.static\('polls\/style\.css'\)/);
    const again = await admin(['startapp', 'polls'], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    assert.equal((await admin(['startapp', 'fs'], dir)).code, 1);
  });
});

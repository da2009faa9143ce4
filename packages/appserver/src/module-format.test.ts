/**
 * An app written as ES modules loads whatever its package.json says, through the real command as
 * users run it (bin/tsgi-appserver.js on dist/, plain node: the workers are not under tsx), and
 * when it cannot, the error says which file to change and how.
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { moduleFormatFix } from './module-format.js';
import { REPO_ROOT, spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';

/** The built command must be newer than the sources this test is about, or it tests old code. */
function assertBuilt(): void {
  const src = join(REPO_ROOT, 'packages/appserver/src');
  const dist = join(REPO_ROOT, 'packages/appserver/dist');
  for (const name of ['loader', 'module-format']) {
    let built: number;
    try {
      built = statSync(join(dist, `${name}.js`)).mtimeMs;
    } catch {
      assert.fail(`packages/appserver/dist/${name}.js is missing: run npx tsc -b`);
    }
    assert.ok(built >= statSync(join(src, `${name}.ts`)).mtimeMs, `packages/appserver/dist/${name}.js is older than src/${name}.ts: run npx tsc -b`);
  }
}

const NAMED_TS = `import { STATUS_CODES } from 'node:http';\nexport const application = (_request: Request) => new Response('named ts ' + STATUS_CODES[200]);\n`;
const DEFAULT_TS = `export default (_request: Request) => new Response('default ts');\n`;
const NAMED_JS = `import { STATUS_CODES } from 'node:http';\nexport const application = (_request) => new Response('named js ' + STATUS_CODES[200]);\n`;
const AWAIT_TS = `const greeting = await Promise.resolve('awaited');\nexport const application = () => new Response(greeting);\n`;

describe('ES module apps in packages that are not "type": "module"', () => {
  let project: ReturnType<typeof tempProject>;
  let untyped: string;
  let commonjs: string;
  before(() => {
    assertBuilt();
    project = tempProject();
    untyped = join(project.dir, 'untyped');
    commonjs = join(project.dir, 'commonjs');
    for (const [dir, pkg] of [[untyped, '{ "name": "untyped" }\n'], [commonjs, '{ "name": "commonjs", "type": "commonjs" }\n']] as const) {
      mkdirSync(dir);
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'package.json'), pkg);
      writeFileSync(join(dir, 'named.ts'), NAMED_TS);
      writeFileSync(join(dir, 'default.ts'), DEFAULT_TS);
      writeFileSync(join(dir, 'named.js'), NAMED_JS);
      writeFileSync(join(dir, 'await.ts'), AWAIT_TS);
    }
  });
  after(() => project.remove());

  const serves = async (dir: () => string, app: string, body: string) => {
    const server = await startAppserver(['-w', '1', app], { cwd: dir(), built: true });
    try {
      const res = await fetch(server.url);
      assert.equal(await res.text(), body);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  };
  const refuses = async (dir: () => string, app: string, message: RegExp) => {
    const server = spawnAppserver(['-b', '127.0.0.1:0', '-w', '1', app], { cwd: dir(), built: true });
    assert.equal(await server.exited(), 4, server.output());
    assert.match(server.output(), message);
  };

  it('no "type": a .ts app with named exports, one with a default export, and attribute lookup', async () => {
    await serves(() => untyped, 'named.ts', 'named ts OK');
    await serves(() => untyped, 'named.ts:application', 'named ts OK');
    await serves(() => untyped, 'default.ts', 'default ts');
  });

  it('no "type": a .js app, detected as an ES module by Node', async () => {
    await serves(() => untyped, 'named.js', 'named js OK');
  });

  it('"type": "commonjs": a .ts app loads (compiled to CommonJS, as tsx does)', async () => {
    await serves(() => commonjs, 'named.ts', 'named ts OK');
    await serves(() => commonjs, 'default.ts:default', 'default ts');
  });

  it('"type": "commonjs": a .js app is refused as Node refuses it, and the error names the change', async () => {
    await refuses(() => commonjs, 'named.js', /cannot import named\.js: named\.js \(or a file it imports\) uses ES module syntax \(import\/export\) but is loaded as CommonJS: set "type": "module" in \S+commonjs\/package\.json \(it says "type": "commonjs"\), or rename the file to \.mjs/);
  });

  it('top-level await outside "type": "module" names package.json and .mts', async () => {
    await refuses(() => untyped, 'await.ts', /await\.ts \(or a file it imports\) uses top-level await, which a CommonJS module cannot: set "type": "module" in \S+untyped\/package\.json or rename it to await\.mts/);
  });
});

describe('moduleFormatFix', () => {
  it('a .cjs file is renamed, a file without package.json gets one, other errors get no advice', () => {
    const esm = new SyntaxError('Cannot use import statement outside a module');
    assert.equal(moduleFormatFix('/nowhere/app.cjs', esm), 'app.cjs uses ES module syntax (import/export) but a .cjs file is always CommonJS: rename it to app.mjs');
    assert.match(moduleFormatFix('/nonexistent-dir-for-test/app.js', esm) ?? '', /create \/nonexistent-dir-for-test\/package\.json containing \{ "type": "module" \}, or rename the file to \.mjs/);
    assert.equal(moduleFormatFix('/nowhere/app.js', new Error('Cannot find module x')), undefined);
  });
});

/**
 * The files `--reload` watches: the app and its local imports as esbuild resolves them, not
 * packages; a file that does not parse is reported with its line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appFiles, AppFilesError } from './app-files.js';
import { tempProject } from './testing/spawn-appserver.js';

describe('appFiles', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    mkdirSync(join(project.dir, 'lib'));
    writeFileSync(join(project.dir, 'lib/a.ts'), `export const a = 1;\n`);
    writeFileSync(join(project.dir, 'lib/lazy.ts'), `export const lazy = 1;\n`);
    writeFileSync(join(project.dir, 'data.json'), `{ "x": 1 }\n`);
    writeFileSync(join(project.dir, 'addon.node'), 'not parsed');
    writeFileSync(
      join(project.dir, 'app.ts'),
      `import { Hono } from 'hono';
import { a } from './lib/a.js';
import data from './data.json' with { type: 'json' };
export const addon = () => import('./addon.node');
export const later = () => import('./lib/lazy.ts');
export const application = new Hono().get('/', (c) => c.text(String(a + data.x)));
`,
    );
  });
  after(() => project.remove());

  it('lists the app and its local imports (static, import() of a literal, JSON, a file of no known type), not packages', async () => {
    const files = (await appFiles(join(project.dir, 'app.ts'), project.dir)).map((f) => f.slice(project.dir.length + 1)).sort();
    assert.deepEqual(files, ['addon.node', 'app.ts', 'data.json', 'lib/a.ts', 'lib/lazy.ts']);
  });

  it('follows tsconfig paths, as tsx resolves them', async () => {
    writeFileSync(join(project.dir, 'tsconfig.json'), `{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["lib/*"] } } }\n`);
    writeFileSync(join(project.dir, 'aliased.ts'), `import { a } from '@lib/a';\nexport const application = () => new Response(String(a));\n`);
    const files = (await appFiles(join(project.dir, 'aliased.ts'), project.dir)).map((f) => f.slice(project.dir.length + 1)).sort();
    assert.deepEqual(files, ['aliased.ts', 'lib/a.ts']);
  });

  it('a syntax error is an AppFilesError naming the file and line', async () => {
    writeFileSync(join(project.dir, 'broken.ts'), `import './lib/a.js';\nexport const x = (;\n`);
    await assert.rejects(appFiles(join(project.dir, 'broken.ts'), project.dir), (err: unknown) => err instanceof AppFilesError && /^broken\.ts:2: Unexpected/.test(err.message));
  });
});

// Template errors name the file and the line, over a real socket: with DEBUG a failing
// expression shows "<file>:<line>" and the source line on the technical 500 page; a syntax
// error starts with the file's path and gives line and column, with DEBUG or without (then in
// the log, the page being the plain 500).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from 'tsgi-test-support';
import type { HttpRequest } from '../http/request.js';
import { render } from '../shortcuts.js';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';

describe('template errors show the file and line', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const servers: ServedApp[] = [];
  const serve = async (debug: boolean) => {
    const served = await serveApp({
      DEBUG: debug,
      SECRET_KEY: 'x'.repeat(50),
      ALLOWED_HOSTS: ['127.0.0.1'],
      TEMPLATES: { DIRS: [dir] },
      ROOT_URLCONF: [path('<str:name>/', (request: HttpRequest) => render(request, `${String(request.params.name)}.html`, {}))],
    });
    servers.push(served);
    return served;
  };
  before(async () => {
    ({ dir, cleanup } = await tempDir('tsgi-fw-tplerr-'));
    await writeFile(join(dir, 'runtime.html'), '<p>one</p>\n<p>two</p>\n<p><%= it.user.name %></p>\n<p>four</p>\n');
    await writeFile(join(dir, 'syntax.html'), '<p>one</p>\n<p><%= it.title </p>\n');
    await writeFile(join(dir, 'outer.html'), '<main><%~ include("syntax.html") %></main>\n');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cleanup();
  });

  it('DEBUG: a runtime error shows the file, the line and the source around it', async () => {
    const served = await serve(true);
    const response = await fetch(`${served.url}/runtime/`, { headers: { accept: 'text/plain' } });
    assert.equal(response.status, 500);
    const page = await response.text();
    assert.ok(page.includes(`${join(dir, 'runtime.html')}:3`), page.slice(0, 600));
    assert.match(page, / >> 3\| <p><%= it\.user\.name %><\/p>/);
    assert.match(page, /Cannot read properties of undefined \(reading 'name'\)/);
  });

  it('a syntax error starts with the file path, with line and column, DEBUG or not, in a partial too', async () => {
    const debug = await serve(true);
    const page = await (await fetch(`${debug.url}/syntax/`, { headers: { accept: 'text/plain' } })).text();
    assert.ok(page.includes(`${join(dir, 'syntax.html')}: unclosed tag at line 2 col 4`), page.slice(0, 600));
    const nested = await (await fetch(`${debug.url}/outer/`, { headers: { accept: 'text/plain' } })).text();
    assert.ok(nested.includes(`${join(dir, 'syntax.html')}: unclosed tag at line 2 col 4`), 'the partial is named, not the page including it');

    const production = await serve(false);
    const response = await fetch(`${production.url}/syntax/`);
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /unclosed tag/, 'no details on the page without DEBUG');
    const logged = production.logs.find(([level, m]) => level === 'error' && m.includes('Internal Server Error: GET /syntax/'));
    assert.ok(logged?.[1].includes(`${join(dir, 'syntax.html')}: unclosed tag at line 2 col 4`), JSON.stringify(production.logs));
  });
});

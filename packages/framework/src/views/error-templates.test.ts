// The default error views over real sockets: templates/404.html, 500.html and 403.html are
// rendered when present (DEBUG off), the plain pages otherwise; a 500 template that fails falls
// back to the plain page; a custom handler404 in the root URLconf wins; DEBUG keeps the technical pages.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { HttpResponse } from '../http/response.js';
import { PermissionDenied } from '../core/exceptions.js';
import type { SettingsInput } from '../conf/settings.js';

const boom = () => {
  throw new TypeError('kaboom in the view');
};
const urlpatterns = [
  path('boom/', boom),
  path('forbidden/', () => {
    throw new PermissionDenied('members only');
  }),
  path('', () => new HttpResponse('home'), { name: 'home' }),
];

describe('default handler404/handler500: templates when present', () => {
  let withTemplates: string;
  let broken: string;
  let empty: string;
  let cleanup: () => Promise<void>;
  const servers: ServedApp[] = [];
  const serve = async (dir: string, extra: Partial<SettingsInput> = {}) => {
    const served = await serveApp({
      DEBUG: false,
      SECRET_KEY: 'x'.repeat(50),
      ALLOWED_HOSTS: ['127.0.0.1'],
      TEMPLATES: { DIRS: [dir] },
      ROOT_URLCONF: urlpatterns,
      ...extra,
    } as SettingsInput);
    servers.push(served);
    return served;
  };

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('tsgi-fw-errtpl-'));
    withTemplates = join(dir, 'with');
    broken = join(dir, 'broken');
    empty = join(dir, 'empty');
    for (const d of [withTemplates, broken, empty]) await mkdir(d);
    await writeFile(join(withTemplates, 'base.html'), '<main><%~ block("content") %></main><a href="<%= it.url("home") %>">home</a>');
    await writeFile(
      join(withTemplates, '404.html'),
      '<% layout("base.html") %><% block("content", () => { %><h1>Lost</h1><p><%= it.requestPath %></p><% }) %>',
    );
    await writeFile(join(withTemplates, '500.html'), '<h1>Our fault</h1>');
    await writeFile(join(withTemplates, '403.html'), '<h1>No entry</h1><p><%= it.exception %></p>');
    await writeFile(join(broken, '500.html'), '<h1><%= it.nothing.here %></h1>');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cleanup();
  });

  it('renders templates/404.html for an unknown URL, 500.html for a throwing view, 403.html for PermissionDenied', async () => {
    const served = await serve(withTemplates);
    const r404 = await fetch(`${served.url}/no/such/<page>/`);
    assert.equal(r404.status, 404);
    assert.match(r404.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(await r404.text(), '<main><h1>Lost</h1><p>/no/such/&lt;page&gt;/</p></main><a href="/">home</a>');
    const r500 = await fetch(`${served.url}/boom/`);
    assert.equal(r500.status, 500);
    assert.equal(await r500.text(), '<h1>Our fault</h1>');
    assert.ok(served.logs.some(([level, m]) => level === 'error' && m.includes('Internal Server Error: GET /boom/')), 'the error is still logged');
    const r403 = await fetch(`${served.url}/forbidden/`);
    assert.equal(r403.status, 403);
    assert.equal(await r403.text(), '<h1>No entry</h1><p>members only</p>');
  });

  it('without the templates: the plain pages of today', async () => {
    const served = await serve(empty);
    const r404 = await fetch(`${served.url}/nowhere/`);
    assert.equal(r404.status, 404);
    assert.match(await r404.text(), /<h1>Not Found<\/h1><p>The requested resource \/nowhere\/ was not found on this server\.<\/p>/);
    const r500 = await fetch(`${served.url}/boom/`);
    assert.equal(r500.status, 500);
    assert.match(await r500.text(), /<h1>Server Error \(500\)<\/h1>/);
    assert.equal(served.logs.filter(([, m]) => m.includes('error view raised')).length, 0, 'a missing template is not an error');
  });

  it('a 500.html that fails to render: the plain page, logged, no loop', async () => {
    const served = await serve(broken);
    const r500 = await fetch(`${served.url}/boom/`);
    assert.equal(r500.status, 500);
    assert.match(await r500.text(), /<h1>Server Error \(500\)<\/h1>/);
    const raised = served.logs.filter(([level, m]) => level === 'error' && m.includes('The 500 error view raised'));
    assert.equal(raised.length, 1, JSON.stringify(served.logs));
    assert.match(raised[0]![1], /reading 'here'/);
    // The next request is answered the same way (nothing cached in a broken state).
    assert.equal((await fetch(`${served.url}/boom/`)).status, 500);
  });

  it('a handler404 in the root URLconf wins over templates/404.html', async () => {
    const served = await serve(withTemplates, {
      ROOT_URLCONF: { urlpatterns, handler404: () => new HttpResponse('custom 404', { status: 404 }) },
    });
    const r404 = await fetch(`${served.url}/nowhere/`);
    assert.equal(r404.status, 404);
    assert.equal(await r404.text(), 'custom 404');
  });

  it('DEBUG on keeps the technical pages', async () => {
    const served = await serve(withTemplates, { DEBUG: true });
    const r404 = await fetch(`${served.url}/nowhere/`, { headers: { accept: 'text/html' } });
    assert.equal(r404.status, 404);
    assert.match(await r404.text(), /Using the URLconf, the following patterns were tried/);
    const r500 = await fetch(`${served.url}/boom/`, { headers: { accept: 'text/html' } });
    assert.equal(r500.status, 500);
    assert.match(await r500.text(), /kaboom in the view/);
  });
});

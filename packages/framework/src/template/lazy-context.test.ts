// The CSRF cookie only on pages that use the token: layout() and include() hand the layout or
// partial a spread copy of `it`, which used to read the token getter on every page. Over a
// socket, with CsrfViewMiddleware on, both ways.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from 'tsgi-test-support';
import { render } from '../shortcuts.js';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { defineLazyValues } from './lazy-context.js';

const TEMPLATES: Record<string, string> = {
  'base.html': '<html><body><%~ it.body %></body></html>',
  'base-with-form.html': '<html><body><%~ it.body %><form method="post"><%~ it.csrfInput %><button>Log out</button></form></body></html>',
  'plain.html': "<% layout('base.html') %><p>no form here</p>",
  'form.html': "<% layout('base.html') %><form method=\"post\"><%~ it.csrfInput %><input name=\"q\"></form>",
  'logout-in-layout.html': "<% layout('base-with-form.html') %><p>page</p>",
  'partial.html': "<%~ include('token-part.html') %>",
  'partial-plain.html': "<%~ include('nothing-part.html') %>",
  'token-part.html': '<meta name="csrf-token" content="<%= it.csrfToken %>">',
  'nothing-part.html': '<p>part</p>',
};

describe('the CSRF cookie is set only by pages that use the token', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let served: ServedApp;

  before(async () => {
    tmp = await tempDir('tsgi-lazy-csrf-');
    await mkdir(join(tmp.dir, 'templates'));
    for (const [name, text] of Object.entries(TEMPLATES)) await writeFile(join(tmp.dir, 'templates', name), text);
    const page = (name: string) => path(name.replace('.html', '/'), (request) => render(request, name));
    served = await serveApp({
      BASE_DIR: tmp.dir,
      TEMPLATES: { DIRS: ['templates'] },
      ALLOWED_HOSTS: ['127.0.0.1'],
      SECRET_KEY: 'a-very-secret-key-that-is-long-enough-for-tests-0123456789',
      MIDDLEWARE: ['SessionMiddleware', 'CsrfViewMiddleware'],
      ROOT_URLCONF: ['plain.html', 'form.html', 'logout-in-layout.html', 'partial.html', 'partial-plain.html'].map(page),
    });
  });
  after(async () => {
    await served?.close();
    await tmp?.cleanup();
  });

  const get = async (route: string) => {
    const response = await fetch(`${served.url}/${route}`);
    return { status: response.status, cookies: response.headers.getSetCookie(), vary: response.headers.get('vary') ?? '', body: await response.text() };
  };

  it('a layout page without a form sets no csrftoken cookie and no Vary: Cookie', async () => {
    for (const route of ['plain/', 'partial-plain/']) {
      const page = await get(route);
      assert.equal(page.status, 200, route);
      assert.deepEqual(page.cookies.filter((c) => c.startsWith('csrftoken=')), [], route);
      assert.doesNotMatch(page.vary, /cookie/i, route);
    }
  });

  it('a page whose form (in the page, its layout or a partial) uses the token sets the cookie and Vary: Cookie', async () => {
    for (const route of ['form/', 'logout-in-layout/', 'partial/']) {
      const page = await get(route);
      assert.equal(page.status, 200, route);
      const cookie = page.cookies.find((c) => c.startsWith('csrftoken='));
      assert.ok(cookie, `${route} sets csrftoken`);
      assert.match(page.vary, /cookie/i, route);
      assert.match(page.body, /name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"|name="csrf-token" content="[A-Za-z0-9]{64}"/, route);
    }
  });

  it('a spread of the context does not read a lazy value; reading it does', () => {
    let reads = 0;
    const data = defineLazyValues({ title: 'x' } as Record<string, unknown>, { token: () => ++reads });
    const copy = { ...data };
    assert.equal(reads, 0);
    assert.equal(copy.token, undefined);
    assert.equal(data.token, 1);
    assert.equal(defineLazyValues({ token: 'given' } as Record<string, unknown>, { token: () => 'lazy' }).token, 'given', 'a value the view passed wins');
  });
});

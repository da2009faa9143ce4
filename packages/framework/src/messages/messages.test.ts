// The messages framework over real sockets: a message added before a redirect is shown on the
// next page once, not on the one after; its text is escaped by the template helper; levels,
// MESSAGE_LEVEL, pages that do not show messages keep them, and a message after logout.
// Run with the signed-cookie (the default) and the in-memory session stores.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { HttpResponse } from '../http/response.js';
import { render, redirect } from '../shortcuts.js';
import { defineSettings, type SettingsInput } from '../conf/settings.js';
import { closeSessionStore } from '../sessions/engine.js';
import { messages, MESSAGE_LEVELS, type MessageLevelName } from './messages.js';

const urlpatterns = [
  path('add/', (request) => {
    const level = (request.GET.get('level') ?? 'success') as MessageLevelName;
    for (const text of request.GET.getAll('text')) messages.add(request, level, text);
    return redirect('/show/');
  }),
  path('tagged/', (request) => {
    messages.error(request, 'Payment failed.', 'sticky');
    messages.add(request, 35, 'custom level');
    return redirect('/show/');
  }),
  path('show/', (request) => render(request, 'page.html')),
  path('twice/', (request) => render(request, 'twice.html')),
  path('plain/', (request) => render(request, 'plain.html')),
  path('count/', (request) => new HttpResponse(String(messages.get(request).length))),
  path('logout/', (request) => {
    request.session.flush();
    messages.info(request, 'You are logged out.');
    return redirect('/show/');
  }),
];

const TEMPLATES: Record<string, string> = {
  'base.html': '<main><%~ it.messages.html() %><%~ it.body %></main>',
  'page.html': "<% layout('base.html') %><p>page</p>",
  'twice.html': '<% for (const m of it.messages) { %>[<%= m.message %>]<% } %>|<% for (const m of it.messages) { %>[<%= m.tags %>]<% } %>',
  'plain.html': "<% layout('plain-base.html') %><p>no messages here</p>",
  'plain-base.html': '<main><%~ it.body %></main>',
};

/** A browser's cookie handling, enough for one cookie: Set-Cookie replaces it, Max-Age=0 drops it. */
class Browser {
  cookie: string | undefined;
  constructor(readonly served: ServedApp) {}

  async get(url: string): Promise<Response> {
    const response = await fetch(`${this.served.url}${url}`, { redirect: 'manual', headers: this.cookie ? { Cookie: `sessionid=${this.cookie}` } : {} });
    const set = response.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
    if (set !== undefined) this.cookie = /Max-Age=0/.test(set) ? undefined : set.slice('sessionid='.length).split(';')[0];
    assert.ok(response.status === 200 || response.status === 302, `${url}: ${response.status}\n${this.served.logs.map(([, m]) => m).join('\n').slice(-2000)}`);
    return response;
  }

  async text(url: string): Promise<string> {
    return (await this.get(url)).text();
  }
}

for (const [label, extra] of [
  ['signed cookies', {}],
  ['memory store', { SESSION_ENGINE: 'memory' }],
] as const) {
  describe(`messages (${label})`, () => {
    let served: ServedApp;
    let debugServed: ServedApp;
    let settings: ReturnType<typeof defineSettings>;
    let cleanup: () => Promise<void>;
    before(async () => {
      const dir = await tempDir('tsgi-messages-');
      cleanup = dir.cleanup;
      for (const [name, source] of Object.entries(TEMPLATES)) await writeFile(join(dir.dir, name), source);
      const input: SettingsInput = {
        SECRET_KEY: 'messages-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz',
        ALLOWED_HOSTS: ['127.0.0.1'],
        ROOT_URLCONF: urlpatterns,
        TEMPLATES: { DIRS: [dir.dir] },
        ...extra,
      };
      settings = defineSettings(input);
      served = await serveApp(settings);
      debugServed = await serveApp({ ...input, MESSAGE_LEVEL: MESSAGE_LEVELS.debug });
    });
    after(async () => {
      await served.close();
      await debugServed.close();
      await closeSessionStore(settings);
      await cleanup();
    });

    test('added before a redirect, shown on the next page once, not on the one after; text escaped', async () => {
      const browser = new Browser(served);
      const added = await browser.get(`/add/?text=${encodeURIComponent('Saved <b>"x"</b> & done')}`);
      assert.equal(added.status, 302);
      assert.equal(added.headers.get('location'), '/show/');
      assert.ok(browser.cookie, 'the message waits in the session');
      const first = await browser.text('/show/');
      assert.ok(first.includes('<li class="success">Saved &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; done</li>'), first);
      assert.ok(!first.includes('<b>'), 'no markup from the message text');
      const second = await browser.text('/show/');
      assert.equal(second, '<main><p>page</p></main>', 'shown once');
    });

    test('several messages keep their order and levels; debug needs MESSAGE_LEVEL', async () => {
      const browser = new Browser(served);
      await browser.get('/add/?level=warning&text=one&text=two');
      await browser.get('/add/?level=debug&text=hidden');
      const page = await browser.text('/show/');
      assert.match(page, /<li class="warning">one<\/li>\s*<li class="warning">two<\/li>/);
      assert.ok(!page.includes('hidden'), 'debug is below the default MESSAGE_LEVEL (info)');
      const debugBrowser = new Browser(debugServed);
      await debugBrowser.get('/add/?level=debug&text=visible');
      assert.match(await debugBrowser.text('/show/'), /<li class="debug">visible<\/li>/);
    });

    test('extra tags come before the level tag; a custom level has no level tag', async () => {
      const browser = new Browser(served);
      await browser.get('/tagged/');
      const page = await browser.text('/show/');
      assert.match(page, /<li class="sticky error">Payment failed\.<\/li>\s*<li>custom level<\/li>/);
    });

    test('iterating twice in one render shows the same messages; a page without them keeps them', async () => {
      const browser = new Browser(served);
      await browser.get('/add/?level=info&text=kept');
      assert.equal(await browser.text('/plain/'), '<main><p>no messages here</p></main>');
      assert.equal(await browser.text('/count/'), '1', 'still waiting after a page that did not show it');
      assert.equal(await browser.text('/twice/'), '[kept]|[info]');
      assert.equal(await browser.text('/count/'), '0');
    });

    test('a message added after logout is shown on the next page', async () => {
      const browser = new Browser(served);
      await browser.get('/add/?text=before');
      await browser.get('/logout/');
      const page = await browser.text('/show/');
      assert.ok(page.includes('<li class="info">You are logged out.</li>'), page);
      assert.ok(!page.includes('before'), 'flush removed the earlier message');
    });

    test('an unknown level name is a clear error', () => {
      assert.throws(() => messages.add({ settings } as never, 'loud' as never, 'x'), /unknown level "loud"/);
    });
  });
}

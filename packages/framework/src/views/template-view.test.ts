// TemplateView over a real socket: templateName from asView(), route parameters, `view` and
// extraContext in the context, getContextData() overridden (async), escaping, HEAD, 405 for
// POST, a missing templateName named in the error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { TemplateView } from './template-view.js';
import { Client } from '../test/client.js';
import { getTsgiApplication } from '../core/handler.js';

class Dashboard extends TemplateView {
  override templateName = 'dashboard.html';
  greeting = 'hello';
  override async getContextData(extra: Record<string, unknown> = {}) {
    const base = await super.getContextData(extra);
    return { ...base, items: await Promise.resolve(['<b>one</b>', 'two']) };
  }
}

describe('TemplateView', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let served: ServedApp;
  before(async () => {
    ({ dir, cleanup } = await tempDir('tsgi-fw-tplview-'));
    await writeFile(join(dir, 'about.html'), '<h1><%= it.title %></h1><p>id=<%= it.id %></p><p><%= it.view.constructor.name %></p>');
    await writeFile(join(dir, 'dashboard.html'), '<%= it.view.greeting %>:<% it.items.forEach((i) => { %>[<%= i %>]<% }) %>');
    served = await serveApp({
      DEBUG: false,
      SECRET_KEY: 'x'.repeat(50),
      ALLOWED_HOSTS: ['127.0.0.1'],
      TEMPLATES: { DIRS: [dir] },
      ROOT_URLCONF: [
        path('about/<int:id>/', TemplateView.asView({ templateName: 'about.html', extraContext: { title: 'About <us>' } })),
        path('dashboard/', Dashboard.asView({ greeting: 'hi' })),
        path('text/', TemplateView.asView({ templateName: 'about.html', contentType: 'text/plain', extraContext: { title: 't' } })),
        path('unset/', TemplateView.asView()),
      ],
    });
  });
  after(async () => {
    await served.close();
    await cleanup();
  });

  it('renders templateName with the route parameters, view and extraContext (escaped)', async () => {
    const response = await fetch(`${served.url}/about/7/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(await response.text(), '<h1>About &lt;us&gt;</h1><p>id=7</p><p>TemplateView</p>');
  });

  it('a subclass adds to the context asynchronously; asView() sets its fields', async () => {
    const response = await fetch(`${served.url}/dashboard/`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'hi:[&lt;b&gt;one&lt;/b&gt;][two]');
  });

  it('HEAD answers like GET without a body; POST is 405 with Allow', async () => {
    const head = await fetch(`${served.url}/dashboard/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(`${served.url}/dashboard/`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  it('contentType sets the Content-Type', async () => {
    const response = await fetch(`${served.url}/text/`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  });

  it('without templateName: ImproperlyConfigured naming both ways to fix it (500 when served)', async () => {
    const response = await fetch(`${served.url}/unset/`);
    assert.equal(response.status, 500);
    assert.ok(served.logs.some(([, m]) => /TemplateView requires either a definition of 'templateName' or an implementation of 'getTemplateNames\(\)'/.test(m)));
    const client = new Client(getTsgiApplication({ TEMPLATES: { DIRS: [dir] }, ROOT_URLCONF: [path('unset/', TemplateView.asView())] }));
    await assert.rejects(client.get('/unset/'), /requires either a definition of 'templateName'/);
  });

  it('getTemplateNames(): the first existing template wins; none existing lists them all', async () => {
    class Fallback extends TemplateView {
      override getTemplateNames() {
        return ['missing.html', 'about.html'];
      }
    }
    class Nothing extends TemplateView {
      override getTemplateNames() {
        return ['a.html', 'b.html'];
      }
    }
    const client = new Client(getTsgiApplication({
      TEMPLATES: { DIRS: [dir] },
      ROOT_URLCONF: [path('f/', Fallback.asView({ extraContext: { title: 'F' } })), path('n/', Nothing.asView())],
    }));
    assert.match((await client.get('/f/')).text, /<h1>F<\/h1>/);
    await assert.rejects(client.get('/n/'), /Template "a\.html, b\.html" does not exist/);
  });
});

// RedirectView over a real socket: url with placeholders, patternName reversed with the route's
// parameters, permanent (301) or not (302), the query string kept only when asked, every method
// redirected, 410 Gone (logged) when there is no target.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path, include } from '../urls/conf.js';
import { HttpResponse } from '../http/response.js';
import { RedirectView } from './redirect-view.js';
import { Client } from '../test/client.js';
import { getTsgiApplication } from '../core/handler.js';

describe('RedirectView', () => {
  let served: ServedApp;
  const get = (p: string, init: RequestInit = {}) => fetch(`${served.url}${p}`, { redirect: 'manual', ...init });
  before(async () => {
    served = await serveApp({
      DEBUG: false,
      SECRET_KEY: 'x'.repeat(50),
      ALLOWED_HOSTS: ['127.0.0.1'],
      ROOT_URLCONF: [
        path('articles/<int:id>/', () => new HttpResponse('article'), { name: 'article' }),
        path('blog/', include([path('<slug:slug>/', () => new HttpResponse('post'), { name: 'post' })], { namespace: 'blog' })),
        path('old/<int:id>/', RedirectView.asView({ url: '/articles/{id}/', permanent: true })),
        path('files/<path:rest>', RedirectView.asView({ url: '/static/{rest}' })),
        path('go/<int:id>/', RedirectView.asView({ patternName: 'article', queryString: true })),
        path('go-plain/<int:id>/', RedirectView.asView({ patternName: 'article' })),
        path('post/<slug:slug>/', RedirectView.asView({ patternName: 'blog:post' })),
        path('search/', RedirectView.asView({ url: '/find/?src=old', queryString: true })),
        path('gone/', RedirectView.asView()),
        path('bad/', RedirectView.asView({ url: '/x/{nope}/' })),
      ],
    });
  });
  after(() => served.close());

  it('url with route parameters; permanent is 301', async () => {
    const response = await get('/old/42/');
    assert.equal(response.status, 301);
    assert.equal(response.headers.get('location'), '/articles/42/');
  });

  it('a path parameter keeps its slashes; other characters are percent-encoded', async () => {
    const response = await get('/files/css/a%3Fb.css');
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/static/css/a%3Fb.css');
  });

  it('patternName reversed with the same parameters (namespaced too); 302 by default', async () => {
    const response = await get('/go-plain/5/?utm=x');
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/articles/5/', 'the query string is dropped unless queryString');
    const namespaced = await get('/post/hello-world/');
    assert.equal(namespaced.headers.get('location'), '/blog/hello-world/');
  });

  it('queryString: true keeps the query string (joined with & when the url has one)', async () => {
    assert.equal((await get('/go/5/?utm=x&b=%20')).headers.get('location'), '/articles/5/?utm=x&b=%20');
    assert.equal((await get('/go/5/')).headers.get('location'), '/articles/5/');
    assert.equal((await get('/search/?q=tsgi')).headers.get('location'), '/find/?src=old&q=tsgi');
  });

  it('every method redirects; unsafe ones still pass the CSRF check first', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const response = await get('/old/1/', { method });
      assert.equal(response.status, 301, method);
      assert.equal(response.headers.get('location'), '/articles/1/', method);
    }
    assert.equal((await get('/old/1/', { method: 'POST' })).status, 403, 'no CSRF token: 403, as Django');
    const app = getTsgiApplication({ ROOT_URLCONF: [path('r/<int:id>/', RedirectView.asView({ url: '/t/{id}/' }))] });
    const client = new Client(app); // skips CSRF checks, as Django's test client
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const response = await client[method]('/r/3/');
      assert.equal(response.status, 302, method);
      assert.equal(response.headers.get('location'), '/t/3/', method);
    }
  });

  it('no url and no patternName: 410 Gone, logged', async () => {
    const response = await get('/gone/');
    assert.equal(response.status, 410);
    assert.ok(served.logs.some(([level, m]) => level === 'warn' && m.includes('Gone: /gone/')), JSON.stringify(served.logs));
  });

  it('a placeholder the route does not capture is named in the error', async () => {
    const response = await get('/bad/');
    assert.equal(response.status, 500);
    assert.ok(served.logs.some(([, m]) => m.includes('uses {nope}, which the route does not capture')));
  });
});

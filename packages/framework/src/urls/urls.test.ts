// URL dispatch: path() with converters, rePath(), include() with namespaces, reverse(),
// custom converters, 404 with the tried patterns, 405 with Allow (over a real socket too).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { path, rePath, include } from './conf.js';
import { Resolver } from './resolver.js';
import { reverse } from './reverse.js';
import { registerConverter } from './converters.js';
import { MethodNotAllowed, NoReverseMatch, Resolver404, ImproperlyConfigured } from '../core/exceptions.js';
import { HttpResponse, JsonResponse } from '../http/response.js';
import { requireHttpMethods, requireGET, requirePOST } from '../views/decorators.js';
import { View } from '../views/generic.js';
import { getTsgiApplication } from '../core/handler.js';
import { Client } from '../test/client.js';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import type { HttpRequest } from '../http/request.js';

const ok = () => new HttpResponse('ok');

registerConverter('yyyy', {
  regex: '[0-9]{4}',
  toTs: (v: string) => Number(v),
  toUrl: (v: number) => String(v).padStart(4, '0'),
});

const blog = {
  appName: 'blog',
  urlpatterns: [
    path('', ok, { name: 'index' }),
    path('<yyyy:year>/', ok, { name: 'year' }),
    path('<int:year>/<slug:slug>/', ok, { name: 'article' }),
  ],
};

const urlpatterns = [
  path('', ok, { name: 'home' }),
  path('u/<uuid:id>/', ok, { name: 'uuid' }),
  path('files/<path:rest>', ok, { name: 'files' }),
  path('s/<str:name>/', ok, { name: 'str' }),
  rePath('^legacy/(?P<code>[a-z]{3})/$', ok, { name: 'legacy' }),
  path('blog/', include(blog)),
  path('en/blog/', include(blog, { namespace: 'blog-en' })),
  path('api/', include([path('items/', ok, { name: 'items' })], { namespace: 'api' })),
  path('defaults/', ok, { name: 'defaults', defaults: { page: 1 } }),
];

const resolver = new Resolver(urlpatterns);

test('converters match and convert; the wrong shape does not match', () => {
  assert.deepEqual(resolver.resolve('/u/12345678-1234-1234-1234-123456789abc/', 'GET').params, { id: '12345678-1234-1234-1234-123456789abc' });
  assert.deepEqual(resolver.resolve('/files/a/b/c.txt', 'GET').params, { rest: 'a/b/c.txt' });
  assert.deepEqual(resolver.resolve('/s/hello world/', 'GET').params, { name: 'hello world' });
  assert.deepEqual(resolver.resolve('/blog/2024/', 'GET').params, { year: 2024 });
  assert.deepEqual(resolver.resolve('/blog/2024/my-post/', 'GET').params, { year: 2024, slug: 'my-post' });
  assert.deepEqual(resolver.resolve('/legacy/abc/', 'GET').params, { code: 'abc' });
  assert.deepEqual(resolver.resolve('/defaults/', 'GET').params, { page: 1 });
  assert.throws(() => resolver.resolve('/blog/20x4/my-post/', 'GET'), Resolver404);
  assert.throws(() => resolver.resolve('/blog/2024/not a slug/', 'GET'), Resolver404);
  assert.throws(() => resolver.resolve('/u/not-a-uuid/', 'GET'), Resolver404);
  // int beyond 2^53 would silently change the id: no match instead.
  assert.throws(() => resolver.resolve('/blog/99999999999999999999/x/', 'GET'), Resolver404);
});

test('resolver match carries names and namespaces', () => {
  const m = resolver.resolve('/en/blog/2024/hi/', 'GET');
  assert.equal(m.urlName, 'article');
  assert.deepEqual(m.namespaces, ['blog-en']);
  assert.deepEqual(m.appNames, ['blog']);
  assert.equal(m.viewName, 'blog-en:article');
  assert.equal(m.route, 'en/blog/<int:year>/<slug:slug>/');
});

test('Resolver404 lists what was tried', () => {
  try {
    resolver.resolve('/blog/nothing/', 'GET');
    assert.fail('expected Resolver404');
  } catch (error) {
    assert.ok(error instanceof Resolver404);
    const tried = error.tried.map((t) => t.patterns.join(''));
    assert.ok(tried.includes('blog/<int:year>/<slug:slug>/'), tried.join(', '));
    assert.ok(tried.includes('^legacy/(?P<code>[a-z]{3})/$'));
    assert.ok(tried.includes('api/'), 'a prefix that did not match is listed once');
  }
});

test('reverse: names, namespaces (instance and application), params through toUrl, query, mount path', () => {
  assert.equal(reverse('home', { resolver }), '/');
  assert.equal(reverse('blog:article', { resolver, params: { year: 2024, slug: 'hello' } }), '/blog/2024/hello/');
  assert.equal(reverse('blog-en:article', { resolver, params: { year: 2024, slug: 'hello' } }), '/en/blog/2024/hello/');
  assert.equal(reverse('blog:year', { resolver, params: { year: 7 } }), '/blog/0007/', 'custom toUrl');
  assert.equal(reverse('api:items', { resolver, query: { page: 2, tag: ['a', 'b'] } }), '/api/items/?page=2&tag=a&tag=b');
  assert.equal(reverse('legacy', { resolver, params: { code: 'xyz' } }), '/legacy/xyz/');
  assert.equal(reverse('s' + 'tr', { resolver, params: { name: 'a b' } }), '/s/a%20b/');
  assert.equal(reverse('home', { resolver, mountPath: '/app' }), '/app/');
  assert.equal(reverse('defaults', { resolver, params: { page: 1 } }), '/defaults/');
});

test('reverse failures say what is wrong', () => {
  assert.throws(() => reverse('nope', { resolver }), (e: unknown) => e instanceof NoReverseMatch && /'nope' not found/.test(e.message));
  assert.throws(() => reverse('shop:item', { resolver }), /'shop' is not a registered namespace/);
  assert.throws(
    () => reverse('blog:article', { resolver, params: { year: 'abc', slug: 'x' } }),
    (e: unknown) => e instanceof NoReverseMatch && /pattern\(s\) tried: \['blog\/<year>\/<slug>\/'/.test(e.message),
  );
  assert.throws(() => reverse('legacy', { resolver, params: { code: 'TOOLONG' } }), NoReverseMatch);
});

test('bad routes fail at definition with the route in the message', () => {
  assert.throws(() => path('/leading/', ok), (e: unknown) => e instanceof ImproperlyConfigured && /starts with '\/'/.test(e.message));
  assert.throws(() => path('x/<nope:id>/', ok), /invalid converter 'nope'/);
  assert.throws(() => path('x/<int:a>/<int:a>/', ok), /twice/);
  assert.throws(() => path('x/', 'not a view' as never), /must be a function/);
});

test('method mismatch on a matched path is 405 with Allow; another route may take the method', () => {
  const r = new Resolver([
    path('thing/', requireGET(ok)),
    path('thing/', requirePOST(() => new HttpResponse('posted'))),
    path('only-get/', requireHttpMethods(['GET'])(ok)),
    path('put/', ok, { methods: ['PUT'] }),
  ]);
  assert.ok(r.resolve('/thing/', 'POST'));
  assert.ok(r.resolve('/thing/', 'HEAD'), 'HEAD follows GET');
  assert.throws(
    () => r.resolve('/only-get/', 'DELETE'),
    (e: unknown) => e instanceof MethodNotAllowed && e.allowed.join(',') === 'GET,HEAD',
  );
  assert.throws(() => r.resolve('/put/', 'GET'), MethodNotAllowed);
});

class Thing extends View {
  get() {
    return new JsonResponse({ id: this.params.id });
  }
  async post(request: HttpRequest) {
    return new JsonResponse({ created: await request.json() }, { status: 201 });
  }
}

let served: ServedApp | undefined;
after(async () => {
  await served?.close();
});

test('over a socket and through the test client: 405 + Allow, class-based views, OPTIONS, APPEND_SLASH', async () => {
  const settings = {
    ALLOWED_HOSTS: ['127.0.0.1', 'testserver'],
    SECRET_KEY: 's'.repeat(50),
    ROOT_URLCONF: [
      path('things/<int:id>/', Thing.asView(), { name: 'thing' }),
      path('get-only/', requireGET(ok)),
      path('slashed/', ok),
      path('form/', requirePOST(ok)),
      path('files/<path:rest>/', ok),
    ],
  };
  served = await serveApp(settings);
  const res = await fetch(`${served.url}/get-only/`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  const put = await fetch(`${served.url}/things/3/`, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
  const get = await fetch(`${served.url}/things/3/`);
  assert.deepEqual(await get.json(), { id: 3 });
  const options = await fetch(`${served.url}/things/3/`, { method: 'OPTIONS' });
  assert.equal(options.status, 200);
  assert.equal(options.headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
  const head = await fetch(`${served.url}/things/3/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  // APPEND_SLASH: redirect only when the slashed URL resolves; keep the query string.
  const redirect = await fetch(`${served.url}/slashed?x=1`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/slashed/?x=1');
  const missing = await fetch(`${served.url}/missing`, { redirect: 'manual' });
  assert.equal(missing.status, 404, 'no redirect to a URL that does not exist either');
  const sneaky = await fetch(`${served.url}//files/evil.example`, { redirect: 'manual' });
  assert.equal(sneaky.status, 404, 'the leading // is outside files/<path>/');
  const openRedirect = new Client(getTsgiApplication({ ...settings, ROOT_URLCONF: [path('<path:rest>/', ok)] }));
  const escaped = await openRedirect.get('//evil.example');
  assert.equal(escaped.status, 301);
  assert.equal(escaped.headers.get('location'), '/%2Fevil.example/', 'never a protocol-relative redirect');

  const client = new Client(getTsgiApplication({ ...settings, DEBUG: true }));
  const created = await client.post('/things/9/', { json: { a: 1 } });
  assert.equal(created.status, 201);
  assert.deepEqual(created.json(), { created: { a: 1 } });
  const followed = await client.get('/slashed', { follow: true });
  assert.equal(followed.status, 200);
  assert.deepEqual(followed.redirectChain, [['/slashed/', 301]]);
  // POST to the unslashed URL in DEBUG: an explanation instead of a redirect that loses the body.
  await assert.rejects(client.post('/form', { form: { a: '1' } }), /APPEND_SLASH/);
});

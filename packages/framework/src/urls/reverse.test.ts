// reverse() reads the URLconf and mount path of the request at hand, never a process-wide
// one: two applications in one process each reverse with their own, even when one request
// awaits while the other is served (Django keeps the prefix per request). Outside a request,
// a bare reverse() with two applications says how to choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TsgiContext } from 'tsgi';
import { getTsgiApplication } from '../core/handler.js';
import { NoReverseMatch } from '../core/exceptions.js';
import { JsonResponse, HttpResponse } from '../http/response.js';
import { redirect } from '../shortcuts.js';
import { path } from './conf.js';
import { reverse } from './reverse.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const contextAt = (mountPath: string) => ({ mountPath, log: quiet, rawHeaders: ['Host', '127.0.0.1'], remoteAddress: '127.0.0.1', scheme: 'http' }) as unknown as TsgiContext;

/** A site whose `page` route is `<name>-page/`; `where/` reports how `page` reverses, after `gate`. */
function site(name: string, gate: Promise<void>) {
  return getTsgiApplication({
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [],
    ROOT_URLCONF: [
      path(`${name}-page/`, () => new HttpResponse(name), { name: 'page' }),
      path('where/', async (request) => {
        const before = reverse('page');
        await gate;
        return new JsonResponse({ before, after: reverse('page'), request: request.reverse('page'), redirect: redirect('page').headers.get('location') });
      }),
    ],
  });
}

test('two applications in one process each reverse with their own URLconf and mount path, across awaits', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const a = site('a', gate);
  const b = site('b', Promise.resolve());
  // A's view starts, then waits; B serves a whole request under another mount path meanwhile.
  const pendingA = a.fetch(new Request('http://127.0.0.1/mnt-a/where/'), contextAt('/mnt-a'));
  const fromB = await b.fetch(new Request('http://127.0.0.1/mnt-b/where/'), contextAt('/mnt-b'));
  assert.deepEqual(await fromB.json(), { before: '/mnt-b/b-page/', after: '/mnt-b/b-page/', request: '/mnt-b/b-page/', redirect: '/mnt-b/b-page/' });
  open();
  const fromA = await pendingA;
  assert.deepEqual(await fromA.json(), { before: '/mnt-a/a-page/', after: '/mnt-a/a-page/', request: '/mnt-a/a-page/', redirect: '/mnt-a/a-page/' });

  // Outside a request nothing says which application is meant: the error says how to choose.
  assert.throws(
    () => reverse('page'),
    (e: unknown) => e instanceof NoReverseMatch && /applications in this process: say which with \{ resolver: application\.resolver, mountPath \}/.test(e.message),
  );
  assert.equal(reverse('page', { resolver: a.resolver, mountPath: '/mnt-a' }), '/mnt-a/a-page/');
  assert.equal(reverse('page', { resolver: b.resolver }), '/b-page/');
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { linkOnFirstRead } from './fetch-class-link.js';

/** An object with node's lazy global: an accessor that builds the class once and replaces itself with it. */
function lazyGlobal(selfReplacing = true): { target: Record<string, unknown>; builds: () => number; Native: new () => object } {
  class Native {}
  let built = 0;
  const target: Record<string, unknown> = {};
  Object.defineProperty(target, 'Response', {
    configurable: true,
    enumerable: false,
    get() {
      built++;
      if (selfReplacing) Object.defineProperty(target, 'Response', { writable: true, value: Native });
      return Native;
    },
    set(value: unknown) {
      Object.defineProperty(target, 'Response', { writable: true, value });
    },
  });
  return { target, builds: () => built, Native };
}

describe('linkOnFirstRead: links to the runtime\'s fetch class when the global is first read', () => {
  it('links nothing until the global is read, then once, with the class node built', () => {
    const { target, builds, Native } = lazyGlobal();
    const links: unknown[] = [];
    const native = linkOnFirstRead('Response', (value) => links.push(value), target);
    assert.equal(builds(), 0, 'wrapping does not build the class');
    assert.deepEqual(links, []);
    assert.equal(target.Response, Native, 'the read answers the class');
    assert.deepEqual(links, [Native]);
    assert.equal(target.Response, Native);
    assert.equal(native(), Native);
    assert.equal(builds(), 1, 'built once');
    assert.deepEqual(links, [Native], 'linked once');
    const descriptor = Object.getOwnPropertyDescriptor(target, 'Response');
    assert.equal(descriptor?.value, Native, 'node\'s own data property is left in place');
    assert.equal(descriptor?.enumerable, false);
  });

  it('an assignment first links to the runtime\'s class, then replaces the global', () => {
    const { target, Native } = lazyGlobal();
    const links: unknown[] = [];
    const native = linkOnFirstRead('Response', (value) => links.push(value), target);
    class Polyfill {}
    target.Response = Polyfill;
    assert.deepEqual(links, [Native]);
    assert.equal(target.Response, Polyfill);
    assert.equal(native(), Native, 'the runtime\'s class is still known');
  });

  it('the class getter builds and links when called before any read', () => {
    const { target, Native } = lazyGlobal();
    const links: unknown[] = [];
    const native = linkOnFirstRead('Response', (value) => links.push(value), target);
    assert.equal(native(), Native);
    assert.deepEqual(links, [Native]);
    assert.equal(target.Response, Native);
  });

  it('a getter that does not replace itself is put back after the first read', () => {
    const { target, builds, Native } = lazyGlobal(false);
    const links: unknown[] = [];
    linkOnFirstRead('Response', (value) => links.push(value), target);
    assert.equal(target.Response, Native);
    assert.equal(target.Response, Native);
    assert.equal(builds(), 2, 'the second read went to the original getter');
    assert.deepEqual(links, [Native]);
  });

  it('a class that is already built (a data property) is linked at once', () => {
    class Native {}
    const target = { Response: Native };
    const links: unknown[] = [];
    const native = linkOnFirstRead('Response', (value) => links.push(value), target);
    assert.deepEqual(links, [Native]);
    assert.equal(native(), Native);
  });
});

// The globals are per process: what a server importing tsgi loads is seen in a fresh child.
describe('tsgi and node\'s fetch classes, in a fresh process', () => {
  it('serving FastResponses, at once or through a promise, and reading the request id loads no fetch class; instanceof Request and Response hold once the globals are read', () => {
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      import { get } from 'node:http';
      import { FastResponse, getRequestId, serve } from ${JSON.stringify(index)};
      const undici = () => process.moduleLoadList.some((m) => m.includes('deps/undici'));
      const afterImport = undici();
      let seen;
      let id;
      const server = await serve((request) => {
        seen = request;
        id = getRequestId(request);
        const answer = new FastResponse(request.method + ' ' + new URL(request.url).pathname, { headers: { 'content-type': 'text/plain' } });
        return request.url.endsWith('/later') ? Promise.resolve(answer) : answer;
      }, { port: 0 });
      const fetchText = (path) => new Promise((resolve, reject) => {
        get(server.url + path, { agent: false }, (res) => { let data = ''; res.on('data', (c) => (data += c)).on('end', () => resolve(data)); }).on('error', reject);
      });
      const body = [await fetchText('/a'), await fetchText('/later')].join(', ');
      const afterRequest = undici();
      const checks = [seen instanceof Request, new FastResponse('x') instanceof Response, Object.getPrototypeOf(FastResponse) === Response, await new FastResponse('read').text(), seen.headers.get('x-request-id') === id && id.length === 36];
      console.log(JSON.stringify({ afterImport, afterRequest, body, checks, loadedByChecks: undici() }));
      await server.close();
    `;
    const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { afterImport: boolean; afterRequest: boolean; body: string; checks: unknown[]; loadedByChecks: boolean };
    assert.equal(out.body, 'GET /a, GET /later');
    assert.deepEqual(out.checks, [true, true, true, 'read', true]);
    assert.equal(out.loadedByChecks, true, 'reading the globals loads them');
    // Node 22+ loads them as soon as tsgi looks at the global (see fetch-class-link.ts); Node 20 only when one is read.
    if (process.versions.node.startsWith('20.')) {
      assert.equal(out.afterImport, false, 'importing tsgi loads no fetch class');
      assert.equal(out.afterRequest, false, 'a FastResponse, at once or through a promise, and the request id load no fetch class');
    }
  });
});

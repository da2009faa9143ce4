import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUrl } from './request-url.js';

// Hosts and targets on both sides of the concatenation shortcut: each must read as the URL parser
// would write it, whichever host was judged just before (the last-host memo must not leak an
// answer across hosts or schemes).
const HOSTS = [
  '127.0.0.1:8000',
  'localhost',
  'example.com:80',
  'example.com:443',
  'Example.COM',
  '127.1',
  '[::1]:8080',
  'a_b.example',
  '1.2.3.4',
  'x.y:065',
  'shop.example:65535',
];
const TARGETS = ['/api/hello/world/', '/a/../b?q=1', '/%2e%2E/x', '/sp ace', '/?x=<y>', '*'];

test('buildUrl equals new URL(scheme://host + target).href for every host, scheme and target, in any order', () => {
  let checked = 0;
  for (let round = 0; round < 2; round++) {
    const hosts = round === 0 ? HOSTS : [...HOSTS].reverse();
    for (const host of hosts) {
      for (const scheme of ['http', 'https'] as const) {
        for (const target of TARGETS) {
          const expected = new URL(`${scheme}://${host}${target === '*' ? '/*' : target}`).href;
          assert.equal(buildUrl(scheme, host, target), expected, `${scheme} ${host} ${target}`);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, 2 * HOSTS.length * 2 * TARGETS.length);
});

test('buildUrl throws for a host the URL parser refuses, also right after that host\'s canonical neighbour', () => {
  assert.equal(buildUrl('http', '1.2.3.4', '/'), 'http://1.2.3.4/');
  assert.throws(() => buildUrl('http', '1.2.3.256', '/'), TypeError);
});

test('buildUrl: the same host judged again under the other scheme drops only that scheme\'s default port', () => {
  assert.equal(buildUrl('http', 'example.com:443', '/'), 'http://example.com:443/');
  assert.equal(buildUrl('https', 'example.com:443', '/'), 'https://example.com/');
  assert.equal(buildUrl('http', 'example.com:443', '/'), 'http://example.com:443/');
  assert.equal(buildUrl('http', 'example.com:80', '/'), 'http://example.com/');
  assert.equal(buildUrl('https', 'example.com:80', '/'), 'https://example.com:80/');
});

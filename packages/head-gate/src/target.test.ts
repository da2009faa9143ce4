import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapesRoot, isValidHost, normalizePath, splitAbsoluteTarget } from './target.js';

test('isValidHost: host[:port] with a port of 0-65535, IP literals, no userinfo, not empty', () => {
  for (const ok of ['example.com', 'example.com:8080', 'a:0', 'a:65535', 'a:', '127.0.0.1', '[::1]', '[::1]:80', 'x.', 'a_b', 'xn--bcher-kva.example']) {
    assert.equal(isValidHost(ok), true, ok);
  }
  for (const bad of ['', 'a:65536', 'a:99999', 'a:-1', 'a:8a', 'u@x', 'x/y', 'a b', '[::1', 'a:1:2', 'a'.repeat(256), 'a:123456']) {
    assert.equal(isValidHost(bad), false, bad);
  }
});

test('isValidHost agrees with the grammar written as a regex, on every string of a small alphabet and on random ones', () => {
  const grammar = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::(\d{0,5}))?$/;
  const spec = (h: string): boolean => {
    if (h.length > 255) return false;
    const m = grammar.exec(h);
    return m !== null && !(m[1] !== undefined && m[1] !== '' && Number(m[1]) > 65535);
  };
  const alphabet = ['a', '1', '9', ':', '[', ']', '.', '@', ' ', '6', '5'];
  let checked = 0;
  const all = (prefix: string, depth: number): void => {
    assert.equal(isValidHost(prefix), spec(prefix), JSON.stringify(prefix));
    checked++;
    if (depth === 0) return;
    for (const c of alphabet) all(prefix + c, depth - 1);
  };
  all('', 5); // every string of up to 5 of these characters
  const chars = "aZ09-._~!$&'()*+,;=%:[]@/ \u00e9#?";
  for (let i = 0; i < 20_000; i++) {
    let h = '';
    const len = Math.floor(Math.random() * 12);
    for (let j = 0; j < len; j++) h += chars[Math.floor(Math.random() * chars.length)];
    if (i % 3 === 0) h += `:${Math.floor(Math.random() * 200_000)}`;
    assert.equal(isValidHost(h), spec(h), JSON.stringify(h));
    checked++;
  }
  assert.ok(checked > 170_000, `${checked} strings checked`);
});

test('splitAbsoluteTarget: the authority becomes the host, the rest the origin-form path', () => {
  assert.deepEqual(splitAbsoluteTarget('http://evil.example/x?y=1'), { host: 'evil.example', path: '/x?y=1' });
  assert.deepEqual(splitAbsoluteTarget('HTTPS://a:8443'), { host: 'a:8443', path: '/' });
  assert.deepEqual(splitAbsoluteTarget('http://a?q'), { host: 'a', path: '/?q' });
  for (const bad of ['http:///x', 'http://u@a/x', 'http://a:99999/x', 'ftp://a/x', '/x', '*', 'http:/a/x']) {
    assert.equal(splitAbsoluteTarget(bad), undefined, bad);
  }
});

test('normalizePath: dot segments (plain and %2e), backslashes and unreserved escapes, as the app will read the URL', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/a/b', '/a/b'],
    ['/mnt/../echo', '/echo'],
    ['/mnt/%2e%2e/echo', '/echo'],
    ['/mnt/%2E./echo', '/echo'],
    ['/mnt\\..\\echo', '/echo'],
    ['/mnt/./x/', '/mnt/x/'],
    ['/mnt/x/.', '/mnt/x/'],
    ['/mnt/x/..', '/mnt/'],
    ['/%6Dnt/echo', '/mnt/echo'],
    ['/%7Euser', '/~user'],
    // Reserved escapes and case stay as sent: %2F is not a segment separator.
    ['/mnt/..%2fecho', '/mnt/..%2fecho'],
    ['/MNT/%41', '/MNT/A'],
    ['/a%20b', '/a%20b'],
    ['/.hidden/x', '/.hidden/x'],
    ['/../x', undefined],
    ['/a/../../x', undefined],
    ['/%2e%2e/x', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(normalizePath(input), expected, input);
});

test('normalizePath agrees with the URL standard on where a dot-segment path lands', () => {
  for (const path of ['/mnt/../echo', '/mnt/%2e%2e/echo', '/mnt/.%2E/echo', '/mnt\\..\\echo', '/a/./b/../c', '/a/b/..', '/x/%2e/y']) {
    assert.equal(normalizePath(path), new URL(path, 'http://h').pathname, path);
  }
});

test('escapesRoot: only a .. that climbs above / (the query does not count)', () => {
  assert.equal(escapesRoot('/a/../b'), false);
  assert.equal(escapesRoot('/a?x=/../../..'), false);
  assert.equal(escapesRoot('/..hidden'), false);
  assert.equal(escapesRoot('/../x'), true);
  assert.equal(escapesRoot('/a/../../x'), true);
  assert.equal(escapesRoot('/%2e%2e/x'), true);
  assert.equal(escapesRoot('/..\\x'), true);
  assert.equal(escapesRoot('/..'), true);
  // Encoded separators count for this test: a server that decodes first would climb.
  assert.equal(escapesRoot('/..%2fx'), true);
  assert.equal(escapesRoot('/a%2F..%2F..%2Fx'), true);
  assert.equal(escapesRoot('/a/..%5cx'), false);
});

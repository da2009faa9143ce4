/**
 * Path safety over raw sockets: a table of traversal and encoding attempts with the answer
 * expected from the handler, and the same table sent to real nginx serving the same root.
 * Where nginx answers differently on purpose, the row says what nginx does and why.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTree, serveStatic, type RunningStatic, type Tree } from './test-support/fixture.js';
import { startNginx, type RunningNginx } from './test-support/nginx.js';
import { rawRequest } from './test-support/raw-http.js';

interface Row {
  readonly target: string;
  readonly method?: string;
  /** What tsgi-webserver answers. */
  readonly status: number;
  /** What nginx answers, when it differs on purpose. */
  readonly nginx?: number;
  readonly why?: string;
  /** Expected body (exact), for 200s. */
  readonly body?: string;
}

// The root holds index.html, a.txt, café.txt, sub/b.txt, sub/c/ (no index), .secret,
// sub/.env, .well-known/security.txt, link-in -> a.txt, link-out -> ../outside/secret.txt,
// dir-out -> ../outside. ../outside.txt and ../outside/secret.txt lie outside it.
const TABLE: readonly Row[] = [
  { target: '/a.txt', status: 200, body: 'A\n' },
  { target: '/', status: 200, body: 'INDEX\n' },
  { target: '/index.html', status: 200, body: 'INDEX\n' },
  { target: '/sub/b.txt', status: 200, body: 'B\n' },
  { target: '/nope.txt', status: 404 },
  { target: '/a.txt/', status: 404 },
  // dot segments that stay inside the root resolve, as RFC 3986 5.2.4 and nginx do
  { target: '/sub/../a.txt', status: 200, body: 'A\n' },
  { target: '/sub/./b.txt', status: 200, body: 'B\n' },
  { target: '/sub/%2e%2e/a.txt', status: 200, body: 'A\n' },
  { target: '//a.txt', status: 200, body: 'A\n' },
  { target: '/sub//b.txt', status: 200, body: 'B\n' },
  // escapes above the root
  { target: '/../outside.txt', status: 400 },
  { target: '/sub/../../outside.txt', status: 400 },
  { target: '/%2e%2e/outside.txt', status: 400 },
  { target: '/%2E%2E/outside.txt', status: 400 },
  { target: '/.%2e/outside.txt', status: 400 },
  { target: '/..%2foutside.txt', status: 400 },
  { target: '/sub/..%2F..%2Foutside.txt', status: 400 },
  { target: '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', status: 400 },
  { target: '/sub/%2e%2e/%2e%2e/outside.txt', status: 400 },
  // backslashes: a file-name byte to nginx on Unix, a separator to Windows and to many proxies
  { target: '/..%5coutside.txt', status: 400, nginx: 404, why: 'nginx looks up a file literally named "..\\outside.txt"; we reject backslashes outright' },
  { target: '/sub%5c..%5ca.txt', status: 400, nginx: 404, why: 'as above: a backslash is never part of a served name' },
  { target: '/..\\outside.txt', status: 400, nginx: 404, why: 'a raw backslash, rejected like the encoded one' },
  // NUL and control characters
  { target: '/a.txt%00.html', status: 400 },
  { target: '/a.txt%00', status: 400 },
  { target: '/a%0a.txt', status: 400, nginx: 404, why: 'nginx looks up a name with a newline; control characters are rejected here' },
  // invalid percent-encoding and invalid UTF-8 (overlong forms of "." and "/")
  { target: '/%zz', status: 400 },
  { target: '/a.txt%2', status: 400 },
  { target: '/%c0%ae%c0%ae/outside.txt', status: 400, nginx: 404, why: 'overlong UTF-8 (RFC 3629 3): nginx treats the bytes as a name; we reject invalid UTF-8' },
  { target: '/%c0%af', status: 400, nginx: 404, why: 'overlong "/": as above' },
  { target: '/%e0%80%ae%e0%80%ae/outside.txt', status: 400, nginx: 404, why: 'three-byte overlong ".": as above' },
  { target: '/%ed%a0%80', status: 400, nginx: 404, why: 'a UTF-16 surrogate encoded in UTF-8: invalid UTF-8' },
  { target: '/%ff', status: 400, nginx: 404, why: 'a byte that never occurs in UTF-8' },
  // valid encodings of ordinary names
  { target: '/%61.txt', status: 200, body: 'A\n' },
  { target: '/a%2etxt', status: 200, body: 'A\n' },
  { target: '/caf%C3%A9.txt', status: 200, body: 'CAFE\n' },
  {
    target: '/café.txt',
    status: 400,
    nginx: 200,
    why: 'raw UTF-8 octets on the wire: node\'s parser (llhttp) rejects non-ASCII in the request target (RFC 3986 allows none); nginx accepts them',
  },
  { target: '/a.txt?x=/../../outside.txt', status: 200, body: 'A\n' },
  { target: 'http://127.0.0.1/a.txt', status: 200, body: 'A\n' },
  // dotfiles: nginx serves them by default; the nginx side runs `location ~ /\.(?!well-known/) { return 404; }`
  { target: '/.secret', status: 404 },
  { target: '/%2esecret', status: 404 },
  { target: '/sub/.env', status: 404 },
  { target: '/.well-known/security.txt', status: 200, body: 'Contact: x\n' },
  // symlinks
  { target: '/link-in', status: 200, body: 'A\n' },
  {
    target: '/link-out',
    status: 404,
    nginx: 200,
    why: 'nginx follows every link by default (disable_symlinks off); ours stay inside the root unless symlinks = "follow"',
  },
  { target: '/dir-out/secret.txt', status: 404, nginx: 200, why: 'a directory link out of the root: as above' },
  // directories
  { target: '/sub', status: 301 },
  { target: '/sub/c/', status: 403 },
  { target: '/sub/c', status: 301 },
  // methods: a missing file is 404 whatever the method (so try_files can pass it on)
  { target: '/a.txt', method: 'POST', status: 405 },
  { target: '/a.txt', method: 'DELETE', status: 405 },
  { target: '/nope.txt', method: 'POST', status: 404 },
  { target: '/a.txt', method: 'HEAD', status: 200 },
];

let tree: Tree;
let ours: RunningStatic;
before(async () => {
  tree = await makeTree(
    {
      'index.html': 'INDEX\n',
      'a.txt': 'A\n',
      'café.txt': 'CAFE\n',
      'sub/b.txt': 'B\n',
      'sub/c/': '',
      '.secret': 'SECRET\n',
      'sub/.env': 'ENV\n',
      '.well-known/security.txt': 'Contact: x\n',
    },
    { 'link-in': 'a.txt', 'link-out': '../outside/secret.txt', 'dir-out': '../outside' },
  );
  await writeFile(join(tree.dir, 'outside.txt'), 'OUTSIDE\n');
  await writeFile(join(tree.outside, 'secret.txt'), 'OUTSIDE SECRET\n');
  ours = await serveStatic({ root: tree.root });
});
after(async () => {
  await ours?.close();
  await tree?.remove();
});

describe('traversal table: tsgi-webserver', () => {
  for (const row of TABLE) {
    it(`${row.method ?? 'GET'} ${row.target} -> ${row.status}`, async () => {
      const r = await rawRequest(ours.port, row.method ?? 'GET', row.target);
      assert.equal(r.status, row.status, `${row.target}: ${r.body.toString()}`);
      if (row.body !== undefined) assert.equal(r.body.toString(), row.body);
      if (r.status !== 200) assert.ok(!r.body.toString().includes('OUTSIDE'), 'nothing from outside the root leaks');
      if (row.status === 405) assert.equal(r.headers.allow, 'GET, HEAD');
    });
  }

  it('redirects a directory without its slash, keeping the query, never to another host', async () => {
    const r = await rawRequest(ours.port, 'GET', '/sub?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/sub/?x=1');
    const r2 = await rawRequest(ours.port, 'GET', '//sub');
    assert.equal(r2.status, 301);
    assert.equal(r2.headers.location, '/sub/', 'merged slashes: no protocol-relative //host redirect');
  });
});

describe('traversal table: real nginx on the same root', () => {
  let nginx: RunningNginx | undefined;
  before(async () => {
    nginx = await startNginx(tree.root, 'index index.html;\n    location ~ /\\.(?!well-known/) { return 404; }');
  });
  after(async () => {
    await nginx?.stop();
  });

  for (const row of TABLE) {
    const expected = row.nginx ?? row.status;
    it(`${row.method ?? 'GET'} ${row.target} -> nginx ${expected}${row.why === undefined ? '' : ` (${row.why})`}`, async () => {
      assert.ok(nginx !== undefined, 'nginx is not installed (/usr/sbin/nginx): install the Debian package nginx to compare');
      const r = await rawRequest(nginx.port, row.method ?? 'GET', row.target);
      assert.equal(r.status, expected, `nginx answered ${r.status} to ${row.target}`);
      if (row.body !== undefined && expected === 200) assert.equal(r.body.toString(), row.body);
    });
  }
});

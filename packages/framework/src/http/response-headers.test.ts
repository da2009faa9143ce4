import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseHeaders, patchVaryHeaders } from './response-headers.js';

const listed = (headers: ResponseHeaders): [string, string][] => {
  const out: [string, string][] = [];
  headers.pushTo(out);
  return out;
};

test('ResponseHeaders: case-insensitive, in first-set order; set replaces in place, delete removes, setDefault keeps', () => {
  const headers = new ResponseHeaders({ 'Content-Type': 'application/json' });
  headers.set('X-Frame-Options', 'DENY');
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'same-origin');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cache-Control', 'no-store');
  assert.equal(headers.size, 6);
  headers.set('x-frame-options', 'SAMEORIGIN');
  assert.equal(headers.get('X-FRAME-OPTIONS'), 'SAMEORIGIN');
  assert.equal(headers.setDefault('Referrer-Policy', 'no-referrer').get('referrer-policy'), 'same-origin');
  assert.equal(headers.delete('X-Content-Type-Options'), true);
  assert.equal(headers.delete('X-Content-Type-Options'), false);
  assert.equal(headers.has('x-content-type-options'), false);
  assert.equal(headers.get('x-content-type-options'), null);
  headers.append('Vary', 'Cookie');
  headers.append('vary', 'Accept');
  assert.deepEqual(listed(headers), [
    ['Content-Type', 'application/json'],
    ['x-frame-options', 'SAMEORIGIN'],
    ['Referrer-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cache-Control', 'no-store'],
    ['vary', 'Cookie, Accept'],
  ]);
  assert.deepEqual([...headers], listed(headers));
  assert.equal(headers.size, 6);
});

test('ResponseHeaders refuses invalid names and values with CR, LF or NUL', () => {
  const headers = new ResponseHeaders();
  assert.throws(() => headers.set('Bad Name', 'x'), TypeError);
  assert.throws(() => headers.set('X-Injected', 'a\r\nSet-Cookie: evil=1'), TypeError);
  assert.throws(() => headers.setDefault('X-Nul', 'a\0b'), TypeError);
  assert.equal(headers.size, 0);
});

test('patchVaryHeaders adds each name once, keeps *', () => {
  const headers = new ResponseHeaders({ Vary: 'Accept-Encoding' });
  patchVaryHeaders(headers, ['Cookie', 'accept-encoding']);
  assert.equal(headers.get('Vary'), 'Accept-Encoding, Cookie');
  headers.set('Vary', '*');
  patchVaryHeaders(headers, ['Cookie']);
  assert.equal(headers.get('Vary'), '*');
});

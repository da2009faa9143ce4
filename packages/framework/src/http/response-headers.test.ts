import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseHeaders, headerFields, patchVaryHeaders } from './response-headers.js';

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

test('setDefaults adds the absent fields in order, keeps what the view set, and never lets one response change another', () => {
  const fields = headerFields([['X-Content-Type-Options', 'nosniff'], ['Referrer-Policy', 'same-origin'], ['X-Frame-Options', 'DENY']]);
  const view = new ResponseHeaders({ 'Content-Type': 'application/json', 'referrer-policy': 'no-referrer' });
  view.setDefaults(fields).setDefaults(fields); // twice: each field once
  assert.deepEqual(listed(view), [
    ['Content-Type', 'application/json'],
    ['referrer-policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
  ]);
  // The entries are shared: changing a field on one response replaces its entry there only.
  const other = new ResponseHeaders().setDefaults(fields);
  view.set('X-Frame-Options', 'SAMEORIGIN');
  view.append('X-Content-Type-Options', 'extra');
  assert.equal(view.get('x-frame-options'), 'SAMEORIGIN');
  assert.equal(other.get('x-frame-options'), 'DENY');
  assert.equal(other.get('x-content-type-options'), 'nosniff');
  assert.equal(new ResponseHeaders().setDefaults(fields).get('X-Content-Type-Options'), 'nosniff');
  assert.equal(view.delete('referrer-policy'), true);
  assert.equal(view.setDefaults(fields).get('Referrer-Policy'), 'same-origin');
});

test('headerFields checks names and values once, as set does', () => {
  assert.throws(() => headerFields([['Bad Name', 'x']]), TypeError);
  assert.throws(() => headerFields([['X-Injected', 'a\r\nSet-Cookie: evil=1']]), TypeError);
  assert.deepEqual(headerFields([]).keys, []);
  assert.deepEqual(headerFields([['X-A', '1'], ['x-a', '2']]).entries, [['x-a', '2']]); // as set: the last name and value
});

test('patchVaryHeaders adds each name once, keeps *', () => {
  const headers = new ResponseHeaders({ Vary: 'Accept-Encoding' });
  patchVaryHeaders(headers, ['Cookie', 'accept-encoding']);
  assert.equal(headers.get('Vary'), 'Accept-Encoding, Cookie');
  headers.set('Vary', '*');
  patchVaryHeaders(headers, ['Cookie']);
  assert.equal(headers.get('Vary'), '*');
});

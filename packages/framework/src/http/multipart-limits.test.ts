// Per-field file limits while a multipart body streams (request.uploadLimits / a view's
// uploadLimits), over a real socket: a refused file is dropped and reported, the rest of the
// request is parsed as usual, and FILE_UPLOAD_MAX_SIZE stays the hard limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tempDir, waitFor } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import type { HttpRequest } from './request.js';
import { JsonResponse } from './response.js';
import { typeAllowed } from './multipart.js';

let served: ServedApp;
let tmp: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir: tmp, cleanup } = await tempDir('tsgi-upload-limits-'));
  served = await serveApp({
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [],
    FILE_UPLOAD_MAX_MEMORY_SIZE: 1000,
    FILE_UPLOAD_MAX_SIZE: 50_000,
    FILE_UPLOAD_TEMP_DIR: tmp,
    ROOT_URLCONF: [
      // The limits ride on the view (as FormView and limitUploads() set them): the handler reads
      // a multipart body before the view runs, so setting request.uploadLimits inside it is too late.
      path(
        'upload/',
        Object.assign(
          async (request: HttpRequest) =>
            new JsonResponse({
              fields: request.POST.toObject(),
              files: [...request.FILES].map(([field, f]) => ({ field, size: f.size })),
              rejected: [...request.rejectedFiles].map(([field, r]) => ({ field, reason: r.reason, name: r.name, contentType: r.contentType })),
            }),
          { uploadLimits: { small: { maxSize: 100, contentTypes: null }, image: { maxSize: null, contentTypes: ['image/*'] }, big: { maxSize: 100_000, contentTypes: null } } },
        ),
      ),
    ],
  });
});

after(async () => {
  await served?.close();
  await cleanup?.();
});

function post(parts: [string, string | Blob, string?][]) {
  const form = new FormData();
  for (const [name, value, fileName] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, fileName);
  }
  return fetch(`${served.url}/upload/`, { method: 'POST', body: form });
}

test('refused files are dropped and reported; the fields and files around them are kept', async () => {
  const res = await post([
    ['before', 'a'],
    ['small', new Blob([new Uint8Array(101)]), 'too-big.bin'], // in memory, one byte over
    ['image', new Blob(['<html>'], { type: 'text/html' }), 'page.html'],
    ['other', new Blob([new Uint8Array(5000)]), 'kept.bin'], // no limit: spooled to disk
    ['small', new Blob([new Uint8Array(100)]), 'fits.bin'],
    ['after', 'b'],
  ]);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    fields: { before: 'a', after: 'b' },
    files: [{ field: 'other', size: 5000 }, { field: 'small', size: 100 }],
    rejected: [
      { field: 'small', reason: 'size', name: 'too-big.bin', contentType: 'application/octet-stream' },
      { field: 'image', reason: 'content-type', name: 'page.html', contentType: 'text/html' },
    ],
  });
  await waitFor(() => readdirSync(tmp).length === 0, { what: () => `temp files removed: ${readdirSync(tmp).join(', ')}` });
});

test('an empty file input (filename="", no data, octet-stream) is no file, not a refused type', async () => {
  // What a browser sends for <input type="file"> left empty.
  const body = '--B\r\nContent-Disposition: form-data; name="image"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n' +
    '--B\r\nContent-Disposition: form-data; name="after"\r\n\r\nb\r\n--B--\r\n';
  const res = await fetch(`${served.url}/upload/`, { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=B' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { fields: { after: 'b' }, files: [], rejected: [] });
});

test('FILE_UPLOAD_MAX_SIZE is still the hard limit (413), whatever a field allows', async () => {
  const res = await post([['big', new Blob([new Uint8Array(60_000)]), 'huge.bin']]);
  assert.equal(res.status, 413);
  await res.arrayBuffer();
  await waitFor(() => readdirSync(tmp).length === 0, { what: () => `temp files removed: ${readdirSync(tmp).join(', ')}` });
});

test('typeAllowed: exact types and wildcards, case-insensitive', () => {
  assert.equal(typeAllowed('image/PNG', ['image/*']), true);
  assert.equal(typeAllowed('application/pdf', ['application/pdf']), true);
  assert.equal(typeAllowed('application/pdfx', ['application/pdf']), false);
  assert.equal(typeAllowed('imagefake/png', ['image/*']), false);
  assert.equal(typeAllowed('anything', null), true);
});

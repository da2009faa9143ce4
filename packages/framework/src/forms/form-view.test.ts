// FormView over a real socket, CSRF on: GET renders the unbound form, an invalid POST re-renders
// it with escaped values and errors, a valid one redirects; and a 6 MB file over a 5 MB limit gets
// its field error while the temp file on disk never passes 5 MB and is gone afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, waitFor } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { HttpResponse } from '../http/response.js';
import { csrfExempt } from '../middleware/csrf.js';
import { CharField, FileField, IntegerField } from './fields.js';
import { defineForm, limitUploads, type Form } from './form.js';
import { FormView } from './form-view.js';

const MiB = 1024 * 1024;

class DocumentForm extends defineForm({
  title: new CharField({ maxLength: 50 }),
  copies: new IntegerField({ minValue: 1 }),
  document: new FileField({ maxSize: 5 * MiB, contentTypes: ['application/pdf', 'image/*'] }),
}) {}

const saved: { title: string; size: number; copies: number }[] = [];

class DocumentView extends FormView {
  override templateName = 'document.html';
  override formClass = DocumentForm;
  override successUrl = '/done/';
  override async formValid(form: DocumentForm) {
    const { title, document, copies } = form.cleanedData;
    saved.push({ title, size: document.size, copies });
    return super.formValid(form as Form);
  }
}

let served: ServedApp;
let uploads: string;
let cleanup: () => Promise<void>;

before(async () => {
  ({ dir: uploads, cleanup } = await tempDir('tsgi-forms-'));
  const templates = join(uploads, 'templates');
  await mkdir(templates);
  await mkdir(join(uploads, 'tmp'));
  await writeFile(
    join(templates, 'document.html'),
    '<form method="post" enctype="multipart/form-data"><%~ it.csrfInput %>\n<%~ it.form.asDiv() %>\n</form>',
  );
  served = await serveApp({
    SECRET_KEY: 'forms-test-'.repeat(5),
    ALLOWED_HOSTS: ['127.0.0.1'],
    TEMPLATES: { DIRS: [templates] },
    // Spool anything past 64 KiB to disk, so the limit is seen working on a real temp file.
    FILE_UPLOAD_MAX_MEMORY_SIZE: 64 * 1024,
    FILE_UPLOAD_TEMP_DIR: join(uploads, 'tmp'),
    ROOT_URLCONF: [
      path('document/', DocumentView.asView()),
      // The control: the same form without the streaming limits (not limitUploads): the file
      // is spooled whole, which the sampling below must be able to see.
      path('unlimited/', csrfExempt(async (request) => {
        await request.load();
        return new HttpResponse(String(request.FILES.get('document')?.size));
      })),
      path('limited/', limitUploads(DocumentForm, csrfExempt(async (request) => {
        await request.load();
        return new HttpResponse(request.rejectedFiles.get('document')?.reason ?? 'kept');
      }))),
    ],
  });
});

after(async () => {
  await served?.close();
  await cleanup?.();
});

/** GETs the form page; the CSRF cookie and token to post with. */
async function formPage(): Promise<{ html: string; cookie: string; token: string }> {
  const res = await fetch(`${served.url}/document/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(cookie.startsWith('csrftoken=') && token, html);
  return { html, cookie, token };
}

/** The largest file in the upload temp dir right now (0 when none). */
function largestTempFile(): number {
  let largest = 0;
  for (const name of readdirSync(join(uploads, 'tmp'))) {
    try {
      largest = Math.max(largest, statSync(join(uploads, 'tmp', name)).size);
    } catch {
      // Removed between readdir and stat: that is the point.
    }
  }
  return largest;
}

/**
 * POSTs a multipart body whose file part is `fileBytes` long, streamed in 64 KiB chunks; the temp
 * dir is sampled before every chunk and every 2 ms (the server runs in this process, so it gets
 * its turns in between). Returns the response and the largest temp file seen.
 */
async function postUpload(url: string, fields: Record<string, string>, fileBytes: number, contentType: string, cookie: string) {
  const boundary = '----tsgiFormsTest';
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('');
  const filePart = `--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="big.pdf"\r\nContent-Type: ${contentType}\r\n\r\n`;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  let largest = 0;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(head + filePart));
    },
    async pull(controller) {
      largest = Math.max(largest, largestTempFile());
      if (sent >= fileBytes) {
        controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
        controller.close();
        return;
      }
      const n = Math.min(chunk.length, fileBytes - sent);
      controller.enqueue(chunk.subarray(0, n));
      sent += n;
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  // Also sampled on a timer: the server is still reading buffered bytes after the last chunk.
  const sampler = setInterval(() => {
    largest = Math.max(largest, largestTempFile());
  }, 2);
  const res = await fetch(url, {
    method: 'POST',
    body,
    duplex: 'half',
    redirect: 'manual',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie, referer: served.url },
  } as RequestInit);
  const text = await res.text().finally(() => clearInterval(sampler));
  largest = Math.max(largest, largestTempFile());
  return { res, text, largest };
}

test('GET renders the unbound form', async () => {
  const { html } = await formPage();
  assert.ok(html.includes('<form method="post" enctype="multipart/form-data">'));
  assert.ok(html.includes('<input type="text" name="title" maxlength="50" required id="id_title">'), html);
  assert.ok(html.includes('<input type="file" name="document" accept="application/pdf,image/*" required id="id_document">'), html);
  assert.ok(!html.includes('errorlist'));
});

test('an invalid POST re-renders the form with the values sent and the errors, escaped', async () => {
  const { cookie, token } = await formPage();
  const form = new FormData();
  form.set('csrfmiddlewaretoken', token);
  form.set('title', '<script>alert("x")</script>');
  form.set('copies', '0');
  const res = await fetch(`${served.url}/document/`, { method: 'POST', body: form, headers: { cookie, referer: served.url }, redirect: 'manual' });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.ok(!html.includes('<script>'), html);
  assert.ok(html.includes('value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"'), html);
  assert.ok(html.includes('<li>Ensure this value is greater than or equal to 1.</li>'), html);
  assert.ok(html.includes('<ul class="errorlist" id="id_document_error"><li>This field is required.</li></ul>'), html);
});

test('a POST without the CSRF token is still refused (403)', async () => {
  const res = await fetch(`${served.url}/document/`, { method: 'POST', body: new URLSearchParams({ title: 'x' }), headers: { referer: served.url } });
  assert.equal(res.status, 403);
  await res.arrayBuffer();
});

test('a valid POST with a file calls formValid and redirects to successUrl', async () => {
  const { cookie, token } = await formPage();
  const { res, text } = await postUpload(`${served.url}/document/`, { csrfmiddlewaretoken: token, title: 'Report', copies: '2' }, 200 * 1024, 'application/pdf', cookie);
  assert.equal(res.status, 302, text);
  assert.equal(res.headers.get('location'), '/done/');
  assert.deepEqual(saved.at(-1), { title: 'Report', size: 200 * 1024, copies: 2 });
});

test('a 6 MB file over a 5 MB limit: the field error, and never more than 5 MB on disk', async (t) => {
  // The control first: with no limit declared the whole 6 MB reaches the temp dir, and the
  // sampling sees more than 5 MB (so the assertion below can fail).
  const control = await postUpload(`${served.url}/unlimited/`, {}, 6 * MiB, 'application/pdf', '');
  assert.equal(control.text, String(6 * MiB));
  assert.ok(control.largest > 5 * MiB, `the sampling saw ${control.largest} bytes without a limit`);
  await waitFor(() => readdirSync(join(uploads, 'tmp')).length === 0, { what: "the control's temp file to be removed" });

  const { cookie, token } = await formPage();
  const { res, text, largest } = await postUpload(`${served.url}/document/`, { csrfmiddlewaretoken: token, title: 'Big', copies: '1' }, 6 * MiB, 'application/pdf', cookie);
  assert.equal(res.status, 200, 'the form again, not a 413');
  assert.ok(text.includes('<ul class="errorlist" id="id_document_error"><li>Ensure this file is at most 5.0 MB (it is larger).</li></ul>'), text);
  assert.ok(text.includes('value="Big"'), 'the other fields are kept');
  assert.ok(largest > 64 * 1024, `the file was spooled to disk and seen (${largest} bytes)`);
  assert.ok(largest <= 5 * MiB, `the temp file reached ${largest} bytes, over the 5 MB limit`);
  t.diagnostic(`largest temp file seen: ${largest} bytes with the limit (control without: ${control.largest})`);
  await waitFor(() => readdirSync(join(uploads, 'tmp')).length === 0, { timeoutMs: 10_000, what: () => `the temp dir to be empty: ${readdirSync(join(uploads, 'tmp')).join(', ')}` });
});

test('a file of a type the field refuses is never written', async () => {
  const { res, text, largest } = await postUpload(`${served.url}/limited/`, {}, 300 * 1024, 'text/html', '');
  assert.equal(res.status, 200);
  assert.equal(text, 'content-type');
  assert.equal(largest, 0, 'nothing reached the temp dir');
});

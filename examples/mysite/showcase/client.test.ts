/**
 * The README tutorial's test-client example, kept true: in process, through the whole
 * middleware stack (CSRF checks are off in the test client, as in Django's).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'tsgi-framework';
import { application } from '../mysite/tsgi.js';

test('the showcase greets by name (test client)', async () => {
  const client = new Client(application);
  const page = await client.get('/showcase/', { query: { name: 'Ada', tag: ['a', 'b'] } });
  assert.equal(page.status, 200);
  assert.match(page.text, /Hello, Ada!/);
  assert.match(page.text, /<span class="tag">a<\/span> <span class="tag">b<\/span>/);
  const api = await client.post('/showcase/api/', { json: { hello: 'world' } });
  assert.deepEqual(api.json<{ json: unknown }>().json, { hello: 'world' });
  const upload = await client.post('/showcase/upload/', { multipart: { document: { name: 'a.txt', content: 'hello', contentType: 'text/plain' } } });
  assert.match(upload.text, /a\.txt · 5 bytes · text\/plain · in memory/);
  const strict = new Client(application, { enforceCsrfChecks: true });
  assert.equal((await strict.post('/showcase/form/', { form: { title: 'x' } })).status, 403);
});

/**
 * The showcase's feedback form through the whole middleware stack (the test client): errors
 * next to their fields with the values sent back escaped, a 6 MB attachment over the 5 MB limit
 * refused, and a valid submit's one-time message after the redirect.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'tsgi-framework';
import { application } from '../mysite/tsgi.js';

const valid = { name: 'Ada', email: 'ada@example.com', age: '36', topic: 'idea', message: 'More batteries.' };

test('an invalid submit re-renders the form with each error beside its field, values escaped', async () => {
  const client = new Client(application);
  const page = await client.get('/showcase/feedback/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<input type="email" name="email"[^>]*required/);
  const bad = await client.post('/showcase/feedback/', { multipart: { ...valid, name: '<b>x</b>', email: 'not-an-email', topic: 'nope' } });
  assert.equal(bad.status, 200);
  assert.match(bad.text, /Enter a valid email address\./);
  assert.match(bad.text, /Select a valid choice\. nope is not one of the available choices\./);
  assert.match(bad.text, /value="&lt;b&gt;x&lt;\/b&gt;"/, 'the name sent back is escaped');
  assert.doesNotMatch(bad.text, /<b>x<\/b>/);
});

test('a 6 MB attachment over the 5 MB limit gets its field error', async () => {
  const client = new Client(application);
  const big = { name: 'big.png', content: new Uint8Array(6 * 1024 * 1024), contentType: 'image/png' };
  const response = await client.post('/showcase/feedback/', { multipart: { ...valid, attachment: big } });
  assert.equal(response.status, 200);
  assert.match(response.text, /Ensure this file is at most 5\.0 MB \(it is larger\)\./);
});

test('a valid submit redirects, and the showcase shows its message once', async () => {
  const client = new Client(application);
  const file = { name: 'notes.txt', content: 'hello', contentType: 'text/plain' };
  const sent = await client.post('/showcase/feedback/', { multipart: { ...valid, attachment: file, subscribe: 'on' } });
  assert.equal(sent.status, 302);
  assert.equal(sent.headers.get('location'), '/showcase/');
  const first = await client.get('/showcase/');
  assert.match(first.text, /<ul class="messages">\s*<li class="success">Thanks, Ada: your idea came in with notes\.txt \(5 bytes\)\.<\/li>\s*<\/ul>/);
  const second = await client.get('/showcase/');
  assert.doesNotMatch(second.text, /Thanks, Ada/, 'shown once');
});

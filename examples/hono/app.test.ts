/**
 * The Hono example through its real package under the real tsgi-appserver: a plain response, a
 * streamed body and a file upload (the suite every example app shares).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeExampleApp } from '../testing/framework-app-suite.js';

describeExampleApp({
  name: 'hono',
  workers: 2,
  detectedAs: 'a TSGI app',
  greeting: 'Hello from Hono\n',
  checkUpload(body, bytes) {
    assert.deepEqual(body, { name: 'data.bin', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), note: 'hello' });
  },
});

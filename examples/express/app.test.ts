/**
 * The Express example through its real package under the real tsgi-appserver: a plain response, a
 * streamed body and a file upload (the suite every example app shares).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describeExampleApp } from '../testing/framework-app-suite.js';

describeExampleApp({
  name: 'express',
  workers: 1,
  detectedAs: 'a Node \\(req, res\\) app',
  greeting: 'Hello from Express\n',
  checkUpload(body, bytes) {
    assert.deepEqual(body, { name: 'data.bin', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), note: 'hello' });
  },
});

/**
 * The Koa example through its real package under the real tsgi-appserver: a plain response, a
 * streamed body and a file upload (the suite every example app shares).
 */
import assert from 'node:assert/strict';
import { describeExampleApp } from '../testing/framework-app-suite.js';

describeExampleApp({
  name: 'koa',
  workers: 1,
  detectedAs: 'a Node \\(req, res\\) app',
  greeting: 'Hello from Koa\n',
  checkUpload(body, bytes) {
    // Koa has no body parser: the app hashes the raw multipart body, which holds the file.
    assert.ok((body.size as number) > bytes.length, `raw body of ${String(body.size)} bytes is smaller than the file`);
    assert.match(String(body.contentType), /^multipart\/form-data; boundary=/);
  },
});

/**
 * The server side of `tsgi.file` (SPEC 7.2.2): send a file region with fs.createReadStream and
 * pipeline, the same bytes, status and headers the ordinary body would have produced.
 * @module
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Exchange } from './exchange.js';
import type { TsgiFileBody } from './types.js';

/** Counts bytes and fails the pipeline when the file gave fewer than promised (it shrank). */
class ExactLength extends Transform {
  count = 0;
  constructor(readonly expected: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    callback(this.count === this.expected ? null : new Error(`tsgi: the file gave ${this.count} of ${this.expected} bytes`));
  }
}

/** Hooks the writer provides: commit the head, fail before/after commit, abort. */
export interface FileSendHooks {
  /** Writes status and headers (plus Content-Length when absent); false when node refused them. */
  commit(contentLength: number): boolean;
  /** The file could not be sent before anything was committed: a 500. */
  fail(error: unknown): void;
  /** The file broke after commit: a truncated message. */
  abort(error: unknown): void;
}

/**
 * Opens the file, checks the region against its size now (SPEC 7.2.3: a missing or short file
 * is an application error), commits, then streams it with backpressure.
 */
export async function sendFileRegion(ex: Exchange, file: TsgiFileBody, bodiless: boolean, hooks: FileSendHooks): Promise<void> {
  const offset = file.offset ?? 0;
  let handle;
  try {
    handle = await open(file.path, 'r');
  } catch (error) {
    hooks.fail(error);
    return;
  }
  let length: number;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`tsgi: ${file.path} is not a regular file`);
    length = file.length ?? Math.max(0, info.size - offset);
    if (offset + length > info.size) throw new Error(`tsgi: ${file.path} is ${info.size} bytes, shorter than offset ${offset} + length ${length}`);
  } catch (error) {
    await handle.close();
    hooks.fail(error);
    return;
  }
  if (ex.closed) {
    await handle.close();
    return;
  }
  if (!hooks.commit(length)) {
    await handle.close();
    return;
  }
  if (bodiless || length === 0) {
    await handle.close();
    ex.res.end();
    return;
  }
  const counter = new ExactLength(length);
  const source = createReadStream('', { fd: handle, start: offset, end: offset + length - 1, highWaterMark: 64 * 1024 });
  try {
    await pipeline(source, counter, ex.res);
    ex.countBytes(length);
  } catch (error) {
    ex.countBytes(counter.count);
    if (!ex.closed) hooks.abort(error); // else: the client went away, nothing to report
  }
}

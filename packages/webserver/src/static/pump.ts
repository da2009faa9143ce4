/**
 * Sends `[start, end]` of an open descriptor to a response: read a chunk (positional `pread` on
 * the libuv pool), write it, and read the next one at once if the socket took it or on 'drain'
 * if it did not. That is backpressure with at most one chunk in memory per response.
 *
 * Why not `pipeline(fs.createReadStream(...), res)`: with a shared descriptor `destroy()` would
 * close it under other responses (see ./fd-stream.ts), and `pipeline` builds an AbortController
 * and a DOMException per call — measurable at thousands of large responses a second. Chunks are
 * large (512 KiB) so a 1 MiB file costs two reads and two writes.
 * @module
 */
import { read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { StaticResponse } from './types.js';

/** Bytes per read: big enough to keep syscalls and callbacks few, small enough to bound memory. */
export const PUMP_CHUNK = 512 * 1024;
/**
 * The most an HTTP/2 response hands node at once: nghttp2 counts queued bytes against the
 * session's memory limit (ENHANCE_YOUR_CALM past it), so larger bodies go in slices paced by
 * 'drain'.
 */
export const H2_CHUNK = 64 * 1024;

/**
 * Reused chunk buffers. A fresh 512 KiB buffer is an mmap, page faults on first touch and GC
 * pressure on release — a third of the CPU time of a 1 MiB response when measured. A buffer
 * returns here only from an HTTP/1.1 write callback, which node:net calls once the kernel has
 * copied the bytes (or the write was cancelled). HTTP/2 responses do not recycle: their write
 * callbacks come from the session's own queue.
 */
const pool: Buffer[] = [];
const POOL_MAX = 32;

function takeBuffer(len: number): Buffer {
  if (len === PUMP_CHUNK) {
    const b = pool.pop();
    if (b !== undefined) return b;
  }
  return Buffer.allocUnsafeSlow(len);
}

function giveBuffer(this: Buffer): void {
  if (this.length === PUMP_CHUNK && pool.length < POOL_MAX) pool.push(this);
}

/**
 * Pumps the bytes, ends the response, and calls `done` exactly once when no read is in flight
 * any more (so the caller may close or release the descriptor). A client that goes away stops
 * the pump; a file that shrinks underneath destroys the response rather than send a short body.
 */
export function pumpFile(res: StaticResponse, fd: number, start: number, end: number, done: () => void): void {
  const w = res as ServerResponse;
  const recycle = !('stream' in res);
  // HTTP/2 sends 16 KiB frames within a 64 KiB window by default, and nghttp2 counts queued
  // bytes against the session's memory limit (ENHANCE_YOUR_CALM past it): smaller chunks there.
  const chunkSize = recycle ? PUMP_CHUNK : H2_CHUNK;
  let pos = start;
  let reading = false;
  let aborted = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    w.removeListener('close', onClose);
    w.removeListener('drain', step);
    done();
  };
  const onClose = () => {
    aborted = true;
    if (!reading) finish();
  };
  function step(): void {
    if (aborted) {
      finish();
      return;
    }
    const len = Math.min(chunkSize, end - pos + 1);
    const buf = takeBuffer(len);
    reading = true;
    read(fd, buf, 0, len, pos, (err, n) => {
      reading = false;
      if (aborted) {
        giveBuffer.call(buf);
        finish();
        return;
      }
      if (err !== null || n === 0) {
        giveBuffer.call(buf);
        finish();
        w.destroy();
        return;
      }
      pos += n;
      const chunk = n === len ? buf : buf.subarray(0, n);
      const written = recycle ? giveBuffer.bind(buf) : undefined;
      if (pos > end) {
        finish();
        w.end(chunk, written);
        return;
      }
      if (w.write(chunk, written)) step();
      else w.once('drain', step);
    });
  }
  w.on('close', onClose);
  step();
}

/**
 * Sends an in-memory body. HTTP/1.1 hands the whole buffer to the socket (the kernel takes it
 * as fast as the client reads; the buffer is shared, not copied). HTTP/2 gets it in 64 KiB
 * slices paced by 'drain': nghttp2 counts queued bytes against the session's memory limit, and a
 * few multi-MiB bodies queued on streams the client is resetting would exceed it.
 */
export function sendBuffer(res: StaticResponse, body: Buffer): void {
  const w = res as ServerResponse;
  if (!('stream' in res) || body.length <= H2_CHUNK) {
    w.end(body);
    return;
  }
  let pos = 0;
  let aborted = false;
  const onClose = () => {
    aborted = true;
    w.removeListener('drain', step);
  };
  function step(): void {
    while (!aborted) {
      const next = Math.min(pos + H2_CHUNK, body.length);
      const slice = body.subarray(pos, next);
      pos = next;
      if (pos >= body.length) {
        w.removeListener('close', onClose);
        w.end(slice);
        return;
      }
      if (!w.write(slice)) {
        w.once('drain', step);
        return;
      }
    }
  }
  w.on('close', onClose);
  step();
}

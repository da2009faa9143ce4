/**
 * `fileResponse()`: a Response for a file region that carries the `tsgi.file` extension
 * (SPEC section 7.2), so a server that declares it sends the file itself, while the ordinary
 * body streams the same bytes for any other server.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { FastResponse } from './fast-response.js';
import { TSGI_FILE, type TsgiFileBody } from './types.js';

/**
 * `ResponseInit` plus the file region to send.
 *
 * @example
 * ```ts
 * // bytes 100-199 of a log file
 * await fileResponse('/var/log/app.log', { offset: 100, length: 100, status: 206 });
 * ```
 */
export interface FileResponseInit extends ResponseInit {
  /** First byte to send. Default 0. */
  offset?: number;
  /** Bytes to send. Default: to the end of the file as it is now. */
  length?: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * A stream of `length` bytes of `path` from `offset`, opened on the first read and closed at
 * the end or on cancel. A file that turns out shorter than promised errors the stream.
 */
export function fileRegionStream(path: string, offset: number, length: number): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let position = offset;
  let remaining = length;
  const close = async () => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (remaining === 0) {
          await close();
          controller.close();
          return;
        }
        handle ??= await open(path, 'r');
        const buffer = new Uint8Array(Math.min(CHUNK_BYTES, remaining));
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
        if (bytesRead === 0) {
          await close();
          controller.error(new Error(`tsgi: ${path} ended ${remaining} bytes before the promised length (it shrank)`));
          return;
        }
        position += bytesRead;
        remaining -= bytesRead;
        controller.enqueue(bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead));
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}

function checkCount(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new RangeError(`tsgi: fileResponse ${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/**
 * Makes a Response that sends the file at `path` (or the region `offset`/`length` of it). The
 * file is checked now (it must be a regular file; a missing one rejects with node's `ENOENT`
 * error, for the app to turn into a 404) and read only when the response is sent. It carries
 * `Content-Length` unless `init.headers` sets one; the content type is the app's to set.
 *
 * @example
 * ```ts
 * import { fileResponse } from 'tsgi';
 * const app = () => fileResponse('/srv/site/index.html', { headers: { 'content-type': 'text/html' } });
 * ```
 */
export async function fileResponse(path: string, init: FileResponseInit = {}): Promise<FastResponse> {
  const { offset = 0, length, ...responseInit } = init;
  checkCount('offset', offset);
  checkCount('length', length);
  const absolute = isAbsolute(path) ? path : resolve(path);
  const info = await stat(absolute);
  if (!info.isFile()) throw new TypeError(`tsgi: fileResponse needs a regular file, ${absolute} is not one`);
  if (offset > info.size) throw new RangeError(`tsgi: fileResponse offset ${offset} is past the end of ${absolute} (${info.size} bytes)`);
  const size = length ?? info.size - offset;
  if (offset + size > info.size) throw new RangeError(`tsgi: fileResponse region ${offset}+${size} is past the end of ${absolute} (${info.size} bytes)`);

  const headers = new Headers(responseInit.headers);
  if (!headers.has('content-length')) headers.set('content-length', String(size));
  const status = responseInit.status ?? 200;
  const bodiless = status === 204 || status === 304;
  const response = new FastResponse(bodiless ? null : fileRegionStream(absolute, offset, size), { ...responseInit, headers });
  const file: TsgiFileBody = Object.freeze({ path: absolute, offset, length: size });
  Object.defineProperty(response, TSGI_FILE, { value: file, enumerable: false });
  return response;
}

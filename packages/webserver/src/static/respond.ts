/**
 * Writing answers: error bodies, whole or partial bodies from memory or from disk (streamed with
 * backpressure through `pipeline`), and multipart/byteranges (RFC 9110 14.6).
 *
 * Headers go out as one flat array through `res.writeHead`, which node:http serialises without
 * building an object (and node:http2's compatibility API accepts too).
 * @module
 */
import { close, createReadStream, open } from 'node:fs';
import { pumpFile, sendBuffer } from './pump.js';
import { FdRangeStream } from './fd-stream.js';
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { FileEntry } from './file-entry.js';
import type { StaticErrorResponder } from './options.js';
import type { ByteRange } from './range.js';
import type { StaticResponse } from './types.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** Bytes per read for multipart parts. */
const STREAM_CHUNK = 256 * 1024;


/** The flat-array form of writeHead both node:http and node:http2's compatibility layer take. */
export function writeHead(res: StaticResponse, status: number, headers: readonly string[]): void {
  (res as ServerResponse).writeHead(status, headers as string[]);
}

/** Ends the response (node:http and node:http2 compatibility responses differ only in typing). */
export function end(res: StaticResponse, body?: Buffer | string): void {
  (res as ServerResponse).end(body);
}

/** Default error answer: a short plain-text body naming the status. */
export function sendError(
  res: StaticResponse,
  isHead: boolean,
  status: number,
  code: string,
  extra: Readonly<Record<string, string>>,
  onError: StaticErrorResponder | undefined,
): void {
  if (onError !== undefined) {
    onError(res, status, code, extra);
    return;
  }
  const body = `${status} ${STATUS_CODES[status] ?? ''}\n`;
  const headers = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))];
  for (const k of Object.keys(extra)) headers.push(k, extra[k] as string);
  writeHead(res, status, headers);
  end(res, isHead ? undefined : body);
}

/**
 * A stream over `[start, end]` of the file: positional reads on the cached shared descriptor
 * when there is one (released when the stream is done), else a fresh `fs.createReadStream`.
 */
function openRange(file: FileEntry, start: number, end: number): Readable & { bytesRead: number } {
  const shared = file.shared;
  if (shared !== undefined && shared.acquire()) {
    const stream = new FdRangeStream(shared.fd, start, end, STREAM_CHUNK, () => shared.release());
    // Normal end: 'close' follows 'end' (autoDestroy), so _destroy releases the descriptor.
    return stream;
  }
  return createReadStream(file.fsPath, { start, end, highWaterMark: STREAM_CHUNK });
}

/**
 * Sends `[start, end]` of a file: from memory, or pumped from the cached shared descriptor, or
 * from a descriptor opened for this response (closed when done).
 */
export function sendFileRange(res: StaticResponse, file: FileEntry, start: number, end: number): void {
  if (file.body !== undefined) {
    sendBuffer(res, start === 0 && end === file.body.length - 1 ? file.body : file.body.subarray(start, end + 1));
    return;
  }
  const shared = file.shared;
  if (shared !== undefined && shared.acquire()) {
    pumpFile(res, shared.fd, start, end, () => shared.release());
    return;
  }
  open(file.fsPath, file.openFlags, (err, fd) => {
    if (err !== null) {
      res.destroy();
      return;
    }
    pumpFile(res, fd, start, end, () => close(fd, () => {}));
  });
}

/** A boundary unlikely to occur in any file: random per process. */
const BOUNDARY = `tsgi-${randomBytes(12).toString('hex')}`;

/** Part headers and the total length of a multipart/byteranges body. */
export function multipartLayout(
  type: string,
  size: number,
  ranges: readonly ByteRange[],
): { contentType: string; heads: string[]; trailer: string; length: number } {
  const heads = ranges.map(
    (r, i) => `${i === 0 ? '' : '\r\n'}--${BOUNDARY}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
  );
  const trailer = `\r\n--${BOUNDARY}--\r\n`;
  let length = Buffer.byteLength(trailer);
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as ByteRange;
    length += Buffer.byteLength(heads[i] as string) + r.end - r.start + 1;
  }
  return { contentType: `multipart/byteranges; boundary=${BOUNDARY}`, heads, trailer, length };
}

/** Streams a multipart/byteranges body; the headers have been written. */
export function sendMultipart(res: StaticResponse, file: FileEntry, ranges: readonly ByteRange[], heads: readonly string[], trailer: string): void {
  async function* parts(): AsyncGenerator<Buffer> {
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i] as ByteRange;
      yield Buffer.from(heads[i] as string);
      if (file.body !== undefined) {
        yield file.body.subarray(r.start, r.end + 1);
        continue;
      }
      const stream = openRange(file, r.start, r.end);
      try {
        let n = 0;
        for await (const chunk of stream) {
          n += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (n < r.end - r.start + 1) throw new Error('file shrank while being sent');
      } finally {
        stream.destroy();
      }
    }
    yield Buffer.from(trailer);
  }
  pipeline(Readable.from(parts()), res as ServerResponse, (err) => {
    if (err !== undefined && err !== null) res.destroy();
  });
}

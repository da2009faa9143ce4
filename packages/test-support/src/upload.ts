/**
 * An upload the way a proxy in front sends it (nginx, Apache): the request head, then the body in
 * chunks, written on and on whatever the server answers meanwhile, and the answer read only at
 * the end. A server that answers early and then closes with body bytes unread makes the kernel
 * reset the connection: this client then sees EPIPE or ECONNRESET, as nginx does when it turns
 * the answer into a 502. A server that closes lingering lets it write every byte.
 * @module
 */
import { connect } from 'node:net';

/** What {@link uploadRaw} sends. */
export interface UploadOptions {
  readonly port: number;
  readonly host?: string;
  /** The request head up to (not including) the blank line; framing headers are added. */
  readonly head: string;
  /** Body bytes to send. */
  readonly bodyBytes: number;
  /** Send the body chunked instead of with a Content-Length. */
  readonly chunked?: boolean;
  /** Bytes per write. Default 64 KiB. */
  readonly chunkBytes?: number;
  /** Stop writing after this many body bytes and wait, the socket left open (a client gone quiet; the promise then settles only on a reset or the timeout). */
  readonly stopAfterBytes?: number;
  /** Give up (reject) when the server has not closed by then. Default 60 s. */
  readonly timeoutMs?: number;
}

/** What the client saw. */
export interface UploadOutcome {
  /** Everything received, latin1. */
  readonly response: string;
  /** The response status, 0 when none arrived. */
  readonly status: number;
  /** Body bytes written before an error (all of them when the server read to the end). */
  readonly bodyWritten: number;
  /** The socket error the client hit (`EPIPE`, `ECONNRESET`), if any. */
  readonly error: string | undefined;
  /** Milliseconds from the first response byte to the close (-1 without a response). */
  readonly closedAfterMs: number;
}

/**
 * Sends an upload and resolves once the server closed the connection.
 *
 * @example
 * ```ts
 * const outcome = await uploadRaw({ port, head: 'POST /csrf HTTP/1.1\r\nHost: x', bodyBytes: 3 << 20 });
 * assert.equal(outcome.status, 403);
 * assert.equal(outcome.error, undefined);
 * ```
 */
export function uploadRaw(options: UploadOptions): Promise<UploadOutcome> {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const stopAt = Math.min(options.stopAfterBytes ?? options.bodyBytes, options.bodyBytes);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    // allowHalfOpen: the server's FIN does not stop the writes (a proxy keeps sending the body).
    const socket = connect({ port: options.port, host: options.host ?? '127.0.0.1', allowHalfOpen: true });
    let response = '';
    let firstByteAt = -1;
    let written = 0;
    let error: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close within ${timeoutMs} ms; ${written} body bytes written; received ${JSON.stringify(response.slice(0, 200))}`));
    }, timeoutMs);
    let serverEnded = false;
    let doneWriting = false;
    // As a proxy that got its answer does: its side closes once the request is sent and the
    // server has closed, or its response (with a Content-Length) is complete.
    const responseComplete = () => {
      const end = response.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(response.slice(0, end));
      return end >= 0 && length !== null && response.length - end - 4 >= Number(length[1]);
    };
    const finish = () => {
      if ((serverEnded || responseComplete()) && doneWriting && !socket.destroyed) socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      if (firstByteAt < 0) firstByteAt = Date.now();
      response += chunk.toString('latin1');
      finish();
    });
    socket.on('end', () => {
      serverEnded = true;
      finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ response, status, bodyWritten: written, error, closedAfterMs: firstByteAt < 0 ? -1 : Date.now() - firstByteAt });
    });
    const framing = options.chunked === true ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.bodyBytes}`;
    socket.write(`${options.head}\r\n${framing}\r\n\r\n`);
    const payload = Buffer.alloc(chunkBytes, 0x61);
    const next = (): void => {
      if (socket.destroyed || error !== undefined) return;
      if (written >= stopAt) {
        // A client gone quiet sends nothing more and keeps its side open.
        if (stopAt < options.bodyBytes) return;
        if (options.chunked === true) socket.write('0\r\n\r\n');
        doneWriting = true;
        finish();
        return;
      }
      const size = Math.min(chunkBytes, stopAt - written);
      const data = payload.subarray(0, size);
      const framed = options.chunked === true ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
      socket.write(framed, (err) => {
        if (err) return;
        written += size;
        setImmediate(next);
      });
    };
    next();
  });
}

/**
 * The response class of a worker whose access log is on. Like Gunicorn's `Response`, which
 * counts in its own `write()` and which the access log then reads, it counts the body bytes
 * handed to its own `write()`/`end()` and keeps the headers given to `writeHead()`; when it
 * closes, it writes the access log line from what it counted. The same class serves TSGI apps
 * (the adapter writes through it) and Node apps such as Express (the app does): one mechanism,
 * and nothing is wrapped per request. Servers get it through
 * `http.createServer({ ServerResponse })`; with the access log off they get node's own
 * ServerResponse and none of this runs.
 * @module
 */
import type { WriteStream } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { compileAccessFormat, jsonAccessLine, type AccessRecord } from './access-log.js';
import { openLogStream, type ServerLogger } from './logger.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const nodeHttp = process.getBuiltinModule('node:http');

/** Where and how one worker writes its access log. */
export interface AccessLogOptions {
  /** A file, or `-` for stdout. */
  readonly file: string;
  readonly format: string;
  readonly json: boolean;
  readonly workerId: number;
  /** The error log, for the debug line about clients that hang up. */
  readonly log: ServerLogger;
}

type HeadersArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/** Bytes in one chunk given to write()/end(); anything else (a callback, nothing) is 0. */
function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/**
 * Opens the access log (reopened on SIGUSR1, after logrotate moved the file) and returns the
 * ServerResponse class that feeds it. Call it once per worker: every server of the worker
 * shares the class and so the stream.
 *
 * @example
 * ```ts
 * const Response = accessLogResponse({ file: '-', format: DEFAULT_ACCESS_LOG_FORMAT, json: false, workerId: 1, log });
 * http.createServer({ ServerResponse: Response }, handler);
 * ```
 */
export function accessLogResponse(options: AccessLogOptions): typeof ServerResponse {
  const { file, log, workerId } = options;
  const line = options.json ? jsonAccessLine : compileAccessFormat(options.format);
  let stream = openLogStream(file, 'stdout');
  if (file !== '-') {
    process.on('SIGUSR1', () => {
      const old = stream as WriteStream;
      stream = openLogStream(file, 'stdout');
      old.end();
    });
  }

  /** 'close' of every response (one shared listener, `this` is the response). */
  function onClose(this: CountingResponse): void {
    const req = this.req;
    if (!this.writableFinished) log.debug('client closed the connection before the response was complete: %s %s', req.method, req.url);
    const record: AccessRecord = { req, res: this, bytes: this.bodyBytes, start: this.start, status: this.headersSent ? this.statusCode : 0, workerId, writeHeadHeaders: this.headersGiven };
    stream.write(`${line(record)}\n`);
  }

  class CountingResponse extends nodeHttp.ServerResponse<IncomingMessage> {
    /** Body bytes handed to write() and end() (what the app or the adapter sent, HEAD included). */
    bodyBytes = 0;
    /** Headers given to writeHead() directly, which `getHeader` does not see. */
    headersGiven: unknown = undefined;
    /** When node made this response, just before the request reached the app. */
    readonly start = process.hrtime.bigint();

    constructor(...args: [IncomingMessage]) {
      super(...args);
      this.on('close', onClose);
    }

    override writeHead(statusCode: number, reasonOrHeaders?: string | HeadersArg, maybeHeaders?: HeadersArg): this {
      const given = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
      if (given !== null && typeof given === 'object') this.headersGiven = given;
      return typeof reasonOrHeaders === 'string' ? super.writeHead(statusCode, reasonOrHeaders, maybeHeaders) : super.writeHead(statusCode, reasonOrHeaders);
    }

    override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      this.bodyBytes += chunkBytes(chunk, encoding);
      return super.write(chunk, encoding as BufferEncoding, callback as (error: Error | null | undefined) => void);
    }

    override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
      this.bodyBytes += chunkBytes(chunk, encoding);
      return super.end(chunk, encoding as BufferEncoding, callback as () => void);
    }
  }
  // node:http's option type is generic over the request class; this one serves IncomingMessage.
  return CountingResponse as unknown as typeof ServerResponse;
}

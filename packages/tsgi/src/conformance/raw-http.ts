/**
 * A tiny HTTP/1.x client over raw `net` sockets for the conformance kit: it sends exactly the
 * bytes it is given (malformed ones included) and parses what comes back strictly, keeping
 * framing facts (chunked or not, complete or truncated, connection closed) that a normal client
 * hides. Test code only; bounded by timeouts everywhere.
 * @module
 */
import { connect, type Socket } from 'node:net';

/** One parsed response message (a 1xx, or a final response). */
export interface RawResponse {
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  /** Header fields in wire order, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Content after removing chunked framing. */
  readonly body: Buffer;
  /** How the body was delimited. */
  readonly framing: 'none' | 'length' | 'chunked' | 'close';
  /** False when the connection ended before the framing said the body was complete. */
  readonly complete: boolean;
  /** Number of chunks for a chunked body. */
  readonly chunks: number;
  /** The trailer section of a complete chunked body, in wire order (none otherwise). */
  readonly trailers?: ReadonlyArray<readonly [string, string]>;
  /** The first value of a header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** Every value of a header (case-insensitive), in order. */
  all(name: string): string[];
}

/** Default waits of the kit's client; a harness may shorten them (see ServerHarness.timeoutMs). */
export const rawHttpDefaults = { responseTimeoutMs: 15_000 };

/** Thrown when a response does not arrive or parse in time. */
export class RawHttpError extends Error {
  constructor(message: string, readonly received: Buffer) {
    super(`${message}; received so far: ${JSON.stringify(received.subarray(0, 300).toString('latin1'))}`);
    this.name = 'RawHttpError';
  }
}

interface Parsed {
  readonly response: RawResponse;
  readonly consumed: number;
}

function makeResponse(fields: Omit<RawResponse, 'header' | 'all'>): RawResponse {
  return {
    ...fields,
    header(name: string) {
      const lower = name.toLowerCase();
      return fields.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
    },
    all(name: string) {
      const lower = name.toLowerCase();
      return fields.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
    },
  };
}

/**
 * Parses one response from the front of `buf`. Returns undefined when more bytes are needed
 * (and the connection has not ended). `noBody` is true for responses to HEAD.
 *
 * @example
 * ```ts
 * const parsed = parseResponse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), false, false);
 * parsed?.response.status; // 204
 * ```
 */
export function parseResponse(buf: Buffer, ended: boolean, noBody: boolean): Parsed | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (ended && buf.length > 0) throw new RawHttpError('connection closed inside a response header section', buf);
    return undefined;
  }
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const statusLine = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (statusLine === null) throw new RawHttpError(`bad status line ${JSON.stringify(lines[0])}`, buf);
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new RawHttpError(`bad header line ${JSON.stringify(line)}`, buf);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const status = Number(statusLine[2]);
  const base = { httpVersion: statusLine[1] ?? '', status, statusText: statusLine[3] ?? '', headers };
  const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  let at = headEnd + 4;
  if (noBody || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return { response: makeResponse({ ...base, body: Buffer.alloc(0), framing: 'none', complete: true, chunks: 0 }), consumed: at };
  }
  const te = get('transfer-encoding');
  if (te !== undefined && /chunked\s*$/i.test(te)) {
    const parts: Buffer[] = [];
    let chunks = 0;
    while (true) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
      if (!Number.isFinite(size)) throw new RawHttpError('bad chunk size line', buf);
      if (size === 0) {
        // The trailer section (possibly empty) ends with an empty line (RFC 9112 7.1.2).
        const trailers = lineEnd + 2;
        let consumed = -1;
        if (buf.length >= trailers + 2 && buf[trailers] === 13 && buf[trailers + 1] === 10) consumed = trailers + 2;
        else {
          const end = buf.indexOf('\r\n\r\n', trailers);
          if (end >= 0) consumed = end + 4;
        }
        if (consumed < 0) break;
        const trailerLines = consumed - 2 > trailers ? buf.subarray(trailers, consumed - 4).toString('latin1').split('\r\n') : [];
        const trailerFields = trailerLines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
        return { response: makeResponse({ ...base, body: Buffer.concat(parts), framing: 'chunked', complete: true, chunks, trailers: trailerFields }), consumed };
      }
      if (buf.length < lineEnd + 2 + size + 2) break;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      chunks += 1;
      at = lineEnd + 2 + size + 2;
    }
    if (!ended) return undefined;
    return { response: makeResponse({ ...base, body: Buffer.concat(parts), framing: 'chunked', complete: false, chunks }), consumed: buf.length };
  }
  const cl = get('content-length');
  if (cl !== undefined) {
    const length = Number(cl);
    if (buf.length - at >= length) {
      return { response: makeResponse({ ...base, body: Buffer.from(buf.subarray(at, at + length)), framing: 'length', complete: true, chunks: 0 }), consumed: at + length };
    }
    if (!ended) return undefined;
    return { response: makeResponse({ ...base, body: Buffer.from(buf.subarray(at)), framing: 'length', complete: false, chunks: 0 }), consumed: buf.length };
  }
  if (!ended) return undefined;
  return { response: makeResponse({ ...base, body: Buffer.from(buf.subarray(at)), framing: 'close', complete: true, chunks: 0 }), consumed: buf.length };
}

/**
 * One client connection. Bytes received accumulate; `readResponse()` takes the next message
 * off the front.
 *
 * @example
 * ```ts
 * const conn = await RawConnection.open(server.url);
 * conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 * const res = await conn.readResponse();
 * conn.destroy();
 * ```
 */
export class RawConnection {
  #socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #waiters = new Set<() => void>();
  /** Total bytes received on this connection. */
  bytesReceived = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#ended = true;
      this.#wake();
    });
  }

  /** Connects to the host and port of `url` (http: only). */
  static open(url: string, timeoutMs = 10_000): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** The client's own port (what the server sees as the peer port). */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  /** True once the server closed (or reset) the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The bytes received and not yet taken by `readResponse()`. */
  get pending(): Buffer {
    return this.#buf;
  }

  /** Writes bytes; resolves when the socket accepted them (rejects if it is gone). */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) {
        reject(new Error('socket already closed'));
        return;
      }
      this.#socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Half-closes the connection (sends FIN) after what was written. */
  end(): void {
    this.#socket.end();
  }

  /** Stops reading from the socket (the server then feels backpressure). */
  pause(): void {
    this.#socket.pause();
  }

  /** Resumes reading. */
  resume(): void {
    this.#socket.resume();
  }

  /** Closes the connection at once (the client "goes away"). */
  destroy(): void {
    this.#socket.destroy();
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Waits until `predicate()` holds, the connection ends, or the timeout passes. Returns predicate(). */
  waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    if (predicate() || this.#ended) return Promise.resolve(predicate());
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(predicate());
      };
      const check = () => {
        if (predicate() || this.#ended) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Waits for the server to close the connection; true if it did within the timeout. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    await this.waitFor(() => this.#ended, timeoutMs);
    return this.#ended;
  }

  /**
   * Takes the next response message off the connection (a 1xx is returned on its own).
   * `head: true` when it answers a HEAD request.
   */
  async readResponse(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const timeoutMs = options.timeoutMs ?? rawHttpDefaults.responseTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const parsed = parseResponse(this.#buf, this.#ended, options.head === true);
      if (parsed !== undefined) {
        this.#buf = this.#buf.subarray(parsed.consumed);
        return parsed.response;
      }
      if (this.#ended) {
        throw new RawHttpError(this.#error === undefined ? 'connection closed before a response' : `connection failed (${this.#error.message}) before a response`, this.#buf);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new RawHttpError(`no complete response within ${timeoutMs} ms`, this.#buf);
      const before = this.#buf.length;
      await this.waitFor(() => this.#buf.length !== before, left);
    }
  }

  /** Reads responses, skipping 1xx ones, until a final one; returns it with the 1xx seen before. */
  async readFinal(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse & { interim: RawResponse[] }> {
    const interim: RawResponse[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await this.readResponse(options);
      if (response.status >= 200 || response.status === 101) return Object.assign(response, { interim });
      interim.push(response);
    }
    throw new RawHttpError('more than 10 interim responses', this.#buf);
  }
}

/**
 * Opens a connection, sends `bytes`, reads the final response, and closes.
 *
 * @example
 * ```ts
 * const res = await exchange(url, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
 * ```
 */
export async function exchange(
  url: string,
  bytes: string | Uint8Array,
  options: { head?: boolean; timeoutMs?: number; closeWaitMs?: number } = {},
): Promise<RawResponse & { interim: RawResponse[]; closed: boolean }> {
  const conn = await RawConnection.open(url);
  try {
    await conn.write(bytes);
    const response = await conn.readFinal(options);
    const closed = options.closeWaitMs === undefined ? conn.ended : await conn.waitClosed(options.closeWaitMs);
    return Object.assign(response, { closed });
  } finally {
    conn.destroy();
  }
}

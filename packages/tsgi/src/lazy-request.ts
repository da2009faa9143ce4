/**
 * The lazy Request: an object whose prototype chain reaches `Request.prototype` (so
 * `instanceof Request` holds) and whose url, headers, signal and body are built only when read.
 * The real `Request` is constructed only when something needs it (a body method, `clone()`, or
 * an attribute only a real Request has); from then on every property reads from it.
 *
 * Why: constructing `new Request()` per request costs ~40% of a hello-world server's throughput
 * on Node 20, and most handlers read only the method and the url.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { createBodyStream, type BodyLimitError, type BodyState } from './body-stream.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';
import type { Exchange } from './exchange.js';
import { linkOnFirstRead } from './fetch-class-link.js';

/** What the server does when the body crosses a limit (the response writer's 413/408), given by the adapter. */
export type OnBodyLimit = (ex: Exchange, error: BodyLimitError) => void;

const utf8 = new TextDecoder();

/**
 * Builds fetch Headers from node's rawHeaders, so duplicates join in arrival order (cookie with
 * "; "), with the request id the adapter gave the request (SPEC 3.4.5; rawHeaders keep the
 * field as sent).
 */
function headersFrom(req: IncomingMessage): Headers {
  const raw = req.rawHeaders;
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // node:http already rejected invalid names; a value fetch refuses (e.g. obs-text it
      // cannot represent) is left out of Headers but stays in context.rawHeaders.
    }
  }
  headers.set(REQUEST_ID_HEADER, requestIdOf(req));
  return headers;
}

/**
 * The request's id as the server gave it (SPEC 3.4.5): what `request.headers.get('x-request-id')`
 * reads, or null behind a server that gives none. On a request from tsgi's own servers it is read
 * without building `request.headers`: building fetch Headers loads node's fetch classes on Node 20
 * (~11 MB of RSS a process, fetch-class-link.ts), which a framework writing the id in a log line
 * (a 404 warning) would otherwise pay the first time it logs.
 *
 * @example
 * ```ts
 * const app = (request: Request) => new Response(`your request: ${getRequestId(request) ?? 'no id'}`);
 * ```
 */
export function getRequestId(request: Request): string | null {
  if (request instanceof TsgiRequest) return TsgiRequest.idOf(request);
  return request.headers.get(REQUEST_ID_HEADER);
}

/**
 * See the module comment. `TsgiRequest` is what `toNodeListener` passes as `request`.
 *
 * @example
 * ```ts
 * // Apps never construct it; they receive it and use it as a Request:
 * const app = async (request: Request) => new Response(await request.text());
 * ```
 */
// Merged with the interface below (see there).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TsgiRequest {
  readonly #ex: Exchange;
  readonly #hasBody: boolean;
  readonly #onBodyLimit: OnBodyLimit;
  #headers: Headers | undefined = undefined;
  #body: Request['body'] | undefined = undefined;
  #bodyState: BodyState | undefined = undefined;
  #real: Request | undefined = undefined;

  /** @internal Built by the adapter. */
  constructor(ex: Exchange, hasBody: boolean, onBodyLimit: OnBodyLimit) {
    this.#ex = ex;
    this.#hasBody = hasBody;
    this.#onBodyLimit = onBodyLimit;
  }

  /** @internal The standard Request behind `request`, built now if it was not yet. */
  static realOf(request: TsgiRequest): Request {
    return request.#request();
  }

  /** @internal The request id (SPEC 3.4.5), read from node's request while no Headers were built (see {@link getRequestId}). */
  static idOf(request: TsgiRequest): string | null {
    if (request.#real === undefined && request.#headers === undefined) return requestIdOf(request.#ex.req);
    return request.headers.get(REQUEST_ID_HEADER);
  }

  /** The real Request, built once, sharing this one's url, headers, body stream and signal. */
  #request(): Request {
    if (this.#real === undefined) {
      const body = this.body;
      const init: RequestInit & { duplex?: 'half' } = {
        method: this.#ex.req.method,
        headers: this.headers,
        signal: this.signal,
      };
      if (body !== null) {
        init.body = body;
        init.duplex = 'half';
      }
      this.#real = new (nativeRequest())(this.url, init);
    }
    return this.#real;
  }

  get method(): string {
    return this.#ex.req.method ?? 'GET';
  }
  get url(): string {
    return this.#ex.url;
  }
  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers;
    return (this.#headers ??= headersFrom(this.#ex.req));
  }
  get signal(): AbortSignal {
    if (this.#real !== undefined) return this.#real.signal;
    return this.#ex.signal;
  }
  get body(): Request['body'] {
    if (this.#real !== undefined) return this.#real.body;
    if (this.#body === undefined) {
      if (!this.#hasBody) this.#body = null;
      else {
        this.#bodyState = { received: 0, started: false, done: false };
        const ex = this.#ex;
        const onBodyLimit = this.#onBodyLimit;
        this.#body = createBodyStream(ex, this.#bodyState, (error) => onBodyLimit(ex, error)) as Request['body'];
      }
    }
    return this.#body;
  }
  get bodyUsed(): boolean {
    if (this.#real !== undefined) return this.#real.bodyUsed;
    return this.#bodyState?.started ?? false;
  }
  get duplex(): 'half' {
    return 'half';
  }
  get cache(): RequestCache {
    return this.#request().cache;
  }
  get credentials(): RequestCredentials {
    return this.#request().credentials;
  }
  get destination(): RequestDestination {
    return this.#request().destination;
  }
  get integrity(): string {
    return this.#request().integrity;
  }
  get keepalive(): boolean {
    return this.#request().keepalive;
  }
  get mode(): RequestMode {
    return this.#request().mode;
  }
  get redirect(): RequestRedirect {
    return this.#request().redirect;
  }
  get referrer(): string {
    return this.#request().referrer;
  }
  get referrerPolicy(): ReferrerPolicy {
    return this.#request().referrerPolicy;
  }
  /**
   * Hot path: the whole body read straight from the stream, without building the standard
   * Request (Fetch's "consume body": unusable once used, UTF-8 with the BOM stripped for text).
   * Measured 2026-12-06 on Node 20 (toNodeListener from this build and from one whose body
   * methods call the real Request's, both in one process, stub req/res, a 27-byte POST echoed
   * by `await request.json()` or `.text()`, sampled alternately, CPU time per request, median of
   * 11, four runs): 21-40 us a request against 106-148 us.
   */
  async #bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    const body = this.body;
    if (body === null) return new Uint8Array(0);
    if (body.locked) throw new TypeError('Body is unusable: Body has already been read');
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real !== undefined) return this.#real.arrayBuffer();
    return this.#bytes().then((b) => b.buffer);
  }
  blob(): Promise<Blob> {
    return this.#request().blob();
  }
  bytes(): ReturnType<Request['bytes']> {
    if (this.#real !== undefined) return this.#real.bytes();
    return this.#bytes();
  }
  formData(): Promise<FormData> {
    return this.#request().formData();
  }
  json(): Promise<unknown> {
    if (this.#real !== undefined) return this.#real.json();
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
  text(): Promise<string> {
    if (this.#real !== undefined) return this.#real.text();
    return this.#bytes().then((b) => utf8.decode(b));
  }
  clone(): Request {
    return this.#request().clone();
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Request { method: '${this.method}', url: '${this.url}' }`;
  }
}

// Type: a Request. Run time: `instanceof Request` is true (linked below, on first read of the
// global); Request's constructor never runs.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface TsgiRequest extends Request {}

/**
 * The runtime's own Request, captured before anyone (installRequestPatch) replaces the global,
 * and `TsgiRequest` put under it, both when the global is first read: until then node's fetch
 * classes are not loaded (fetch-class-link.ts: 11.6 MB a process on Node 20).
 */
const nativeRequest = linkOnFirstRead<typeof Request>('Request', (NativeRequest) => {
  Object.setPrototypeOf(TsgiRequest.prototype, NativeRequest.prototype);
});

/**
 * FastResponse: a `Response` that costs almost nothing to construct. It keeps the body and init
 * as given; the standard Response behind it is built only when the app reads something that
 * needs it (a body method, `.body`, `.headers`, `clone()`). `toNodeListener` writes its simple
 * bodies straight to the socket without ever building it.
 *
 * Why: on Node 20 constructing a standard `new Response(body, { headers })` halves a hello-world
 * server's throughput; the adapter cannot be fast while every response pays that.
 * @module
 */

import { linkOnFirstRead } from './fetch-class-link.js';

/** RFC 9112 section 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ). */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

// Accessors to the private fields for the writer (module-internal; no allocation per call).
let bodyOf: (r: FastResponse) => BodyInit | null;
let initOf: (r: FastResponse) => ResponseInit | undefined;
let realOf: (r: FastResponse) => Response | undefined;

/**
 * The same constructor and API as `Response`; `instanceof Response` holds. Use it where speed
 * matters; it behaves as a standard Response in every respect an app can observe.
 *
 * @example
 * ```ts
 * import { FastResponse, serve } from 'tsgi';
 * await serve(() => new FastResponse('Hello, World!', { headers: { 'content-type': 'text/plain' } }));
 * ```
 */
// Merged with the interface below (see there).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class FastResponse {
  #body: BodyInit | null;
  #init: ResponseInit | undefined;
  #real: Response | undefined = undefined;

  static {
    bodyOf = (r) => r.#body;
    initOf = (r) => r.#init;
    realOf = (r) => r.#real;
  }

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    this.#body = body ?? null;
    this.#init = init;
    if (init !== undefined) {
      const status = init.status;
      // The standard constructor's checks that cost nothing: status range (Fetch: "init.status
      // is not in the range 200 to 599"), and a body on a null-body status.
      if (status !== undefined) {
        if (!Number.isInteger(status) || status < 200 || status > 599) {
          throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
        }
        if (body != null && (status === 204 || status === 205 || status === 304)) {
          throw new TypeError('Response constructor: Invalid response status code ' + status);
        }
      }
      // Fetch: statusText must match the reason-phrase production (no CR, LF or other controls).
      const text = init.statusText;
      if (text !== undefined && text !== '' && !REASON_PHRASE.test(text)) throw new TypeError('Response constructor: Invalid statusText');
      const headers = init.headers;
      // Anything but a plain object, an array or a Headers goes through the standard
      // constructor now, so invalid input throws where the app made it.
      if (headers != null && (typeof headers !== 'object' || !isPlainHeaders(headers))) this.#response();
    }
  }

  /** The standard Response, built on first need. */
  #response(): Response {
    return (this.#real ??= new Response(this.#body, this.#init));
  }

  get status(): number {
    return this.#real?.status ?? this.#init?.status ?? 200;
  }
  get statusText(): string {
    return this.#real?.statusText ?? this.#init?.statusText ?? '';
  }
  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s <= 299;
  }
  get headers(): Headers {
    return this.#response().headers;
  }
  get body(): Response['body'] {
    return this.#response().body;
  }
  get bodyUsed(): boolean {
    return this.#real?.bodyUsed ?? false;
  }
  get redirected(): boolean {
    return false;
  }
  get type(): ResponseType {
    return this.#real?.type ?? 'default';
  }
  get url(): string {
    return this.#real?.url ?? '';
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#response().arrayBuffer();
  }
  blob(): Promise<Blob> {
    return this.#response().blob();
  }
  bytes(): ReturnType<Response['bytes']> {
    return this.#response().bytes();
  }
  formData(): Promise<FormData> {
    return this.#response().formData();
  }
  json(): Promise<unknown> {
    return this.#response().json();
  }
  text(): Promise<string> {
    return this.#response().text();
  }
  clone(): Response {
    return this.#response().clone();
  }
  get [Symbol.toStringTag](): string {
    return 'Response';
  }

  /**
   * Like `Response.json()`, as a FastResponse: serialises now, keeps the rest lazy.
   *
   * @example
   * ```ts
   * return FastResponse.json({ ok: true }, { status: 201 });
   * ```
   */
  static json(data: unknown, init?: ResponseInit): FastResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    if (init?.headers == null) {
      return new FastResponse(text, { ...init, headers: { 'content-type': 'application/json' } });
    }
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new FastResponse(text, { ...init, headers });
  }

  /** Same as `Response.redirect()`. */
  static redirect(url: string | URL, status?: number): Response {
    return Response.redirect(url, status);
  }

  /** Same as `Response.error()`. */
  static error(): Response {
    return Response.error();
  }
}

// The interface merge gives FastResponse Response's type; the prototype link makes
// `instanceof Response` true at run time without running Response's constructor. It is made
// when the global `Response` is first read, so an app that only answers FastResponses never
// loads node's fetch classes (fetch-class-link.ts: 11.6 MB a process on Node 20).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface FastResponse extends Response {}
linkOnFirstRead<typeof Response>('Response', (NativeResponse) => {
  Object.setPrototypeOf(FastResponse.prototype, NativeResponse.prototype);
  Object.setPrototypeOf(FastResponse, NativeResponse);
});

/**
 * Whether `value` is a Response (a FastResponse or any other). Asks about FastResponse first:
 * `instanceof Response` reads the global, which loads node's fetch classes (fetch-class-link.ts).
 *
 * @example
 * ```ts
 * isResponse(new FastResponse('hi')); // true, and Response is still not loaded
 * ```
 */
export function isResponse(value: unknown): value is Response {
  return value instanceof FastResponse || value instanceof Response;
}

function isPlainHeaders(headers: object): boolean {
  // A plain object first: the common case, and `instanceof Headers` walks the prototype chain.
  const proto = Object.getPrototypeOf(headers) as unknown;
  return proto === Object.prototype || proto === null || Array.isArray(headers) || headers instanceof Headers;
}

/** The body as given to the constructor (internal, for the writer). */
export function fastBody(response: FastResponse): BodyInit | null {
  return bodyOf(response);
}
/** The init as given to the constructor (internal, for the writer). */
export function fastInit(response: FastResponse): ResponseInit | undefined {
  return initOf(response);
}
/** The standard Response if it was built; then it is the truth (headers may have changed). */
export function fastReal(response: FastResponse): Response | undefined {
  return realOf(response);
}

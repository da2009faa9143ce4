/**
 * The test client (Django's `django.test.Client`): requests go through the whole middleware
 * stack and the view in-process, with a synthetic TSGI context (no socket), a cookie jar, and
 * redirects followed on request. A view's uncaught error is re-raised (`raiseRequestException`)
 * so the test fails with the real stack, not with "expected 200, got 500".
 *
 * Like Django's, the client skips CSRF checks unless `enforceCsrfChecks: true`, and its default
 * host `testserver` is always allowed.
 * @module
 */
import { parseSetCookie } from 'cookie';
import { DEFAULT_LIMITS, TSGI_VERSION, type TsgiContext, type TsgiLogger, type TsgiCompletion } from 'tsgi';
import type { TsgiApplication } from '../core/handler.js';
import { GOT_REQUEST_EXCEPTION } from '../core/exception-handler.js';
import { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';

import { TEST_CLIENT } from '../core/test-hooks.js';

/** A file for a multipart body. */
export interface TestFile {
  name: string;
  content: string | Uint8Array;
  contentType?: string;
}

/** Values of a form or multipart body. */
export type FormData = Record<string, string | number | boolean | TestFile | readonly (string | number | boolean | TestFile)[]>;

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters (arrays repeat the key). */
  query?: Record<string, string | number | boolean | readonly (string | number | boolean)[]>;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Follow redirects (at most 20), collecting them in `redirectChain`. */
  follow?: boolean;
  /** Send over "https" (scheme https, `context.encrypted`). */
  secure?: boolean;
  /** A JSON body (`application/json`). */
  json?: unknown;
  /** A urlencoded form body. */
  form?: FormData;
  /** A multipart/form-data body (files as `{ name, content, contentType }`). */
  multipart?: FormData;
  /** A raw body, with `contentType`. */
  body?: string | Uint8Array;
  /** Content-Type of `body` (or of `data` for `post()`: 'application/json' encodes it as JSON). */
  contentType?: string;
}

/** What a test request returns: the status, headers and the whole body, plus the framework objects. */
export interface TestResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: Headers;
  /** The body bytes (empty for HEAD). */
  readonly content: Uint8Array;
  /** The body as UTF-8 text. */
  readonly text: string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
  /** The framework response the stack produced (last one when following redirects). */
  readonly response: HttpResponseBase;
  /** The framework request (its `session`, `resolverMatch`, `params`...). */
  readonly request: HttpRequest;
  /** `[url, status]` of each redirect followed. */
  readonly redirectChain: readonly [string, number][];
  /** `Set-Cookie` values of this response. */
  readonly setCookies: readonly string[];
}

interface JarCookie {
  value: string;
  path: string;
  expires: number | null;
}

/** Client options. */
export interface ClientOptions {
  /** Re-raise uncaught view errors (default true). */
  raiseRequestException?: boolean;
  /** Check CSRF like a browser request would be (default false, as Django). */
  enforceCsrfChecks?: boolean;
  /** Host header (default `testserver`). */
  host?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The client address the app sees (default 127.0.0.1). */
  remoteAddress?: string;
  /** The mount path (WSGI's SCRIPT_NAME) to simulate. */
  mountPath?: string;
}

/**
 * @example
 * ```ts
 * import { Client } from 'tsgi-framework';
 * const client = new Client(application);
 * const res = await client.get('/polls/', { query: { page: 2 } });
 * assert.equal(res.status, 200);
 * await client.post('/polls/1/vote/', { choice: '3' }); // multipart, like Django
 * await client.post('/api/items/', { json: { name: 'x' } });
 * ```
 */
export class Client {
  readonly #app: TsgiApplication;
  readonly #options: ClientOptions;
  /** The cookie jar: name -> cookie. Set-Cookie responses update it. */
  readonly cookies = new Map<string, JarCookie>();
  /** Everything the app logged, as `[level, message]`. */
  readonly logs: [string, string][] = [];

  constructor(app: TsgiApplication, options: ClientOptions = {}) {
    this.#app = app;
    this.#options = options;
  }

  /** GET. */
  get(path: string, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('GET', path, options);
  }
  /** HEAD (no body in the result). */
  head(path: string, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('HEAD', path, options);
  }
  /** OPTIONS. */
  options(path: string, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('OPTIONS', path, options);
  }
  /** DELETE. */
  delete(path: string, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('DELETE', path, options);
  }
  /**
   * POST. `data` is sent as multipart/form-data (Django's default), or as JSON with
   * `contentType: 'application/json'`.
   */
  post(path: string, data?: FormData | RequestOptions, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('POST', path, withData(data, options));
  }
  /** PUT (same body options as post). */
  put(path: string, data?: FormData | RequestOptions, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('PUT', path, withData(data, options));
  }
  /** PATCH (same body options as post). */
  patch(path: string, data?: FormData | RequestOptions, options: RequestOptions = {}): Promise<TestResponse> {
    return this.request('PATCH', path, withData(data, options));
  }

  /** Sets a cookie in the jar, as if a response had. */
  setCookie(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path, expires: null });
  }

  /** Any method. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const chain: [string, number][] = [];
    let result = await this.#once(method, path, options);
    if (!options.follow) return result;
    let current = path;
    for (let hops = 0; hops < 20 && result.status >= 300 && result.status < 400 && result.headers.has('location'); hops++) {
      const location = result.headers.get('location') as string;
      const next = new URL(location, `http://${this.#options.host ?? 'testserver'}${current}`);
      chain.push([location, result.status]);
      current = next.pathname + next.search;
      // RFC 9110 section 15.4: 307/308 keep method and body; 301/302/303 become GET (what browsers do).
      const keep = result.status === 307 || result.status === 308;
      result = await this.#once(keep ? method : method === 'HEAD' ? 'HEAD' : 'GET', current, {
        headers: options.headers,
        secure: next.protocol === 'https:' ? true : options.secure,
        ...(keep ? { json: options.json, form: options.form, multipart: options.multipart, body: options.body, contentType: options.contentType } : {}),
      });
    }
    return { ...result, redirectChain: chain, json: result.json };
  }

  async #once(method: string, path: string, options: RequestOptions): Promise<TestResponse> {
    const secure = options.secure ?? false;
    const host = this.#options.host ?? 'testserver';
    let target = path;
    if (options.query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query)) {
        if (Array.isArray(v)) for (const item of v) qs.append(k, String(item));
        else qs.append(k, String(v));
      }
      const s = qs.toString();
      if (s) target += (target.includes('?') ? '&' : '?') + s;
    }
    const url = `${secure ? 'https' : 'http'}://${host}${(this.#options.mountPath ?? '') + target}`;
    const headerList: [string, string][] = [['Host', host]];
    for (const [k, v] of Object.entries({ ...this.#options.headers, ...options.headers })) headerList.push([k, v]);
    const cookie = this.#cookieHeader(target);
    if (cookie) headerList.push(['Cookie', cookie]);
    const encoded = encodeBody(options);
    if (encoded) {
      if (!headerList.some(([k]) => k.toLowerCase() === 'content-type')) headerList.push(['Content-Type', encoded.contentType]);
      headerList.push(['Content-Length', String(encoded.body.byteLength)]);
    }
    const raw = new Request(url, {
      method,
      headers: headerList,
      body: encoded && method !== 'GET' && method !== 'HEAD' ? (encoded.body as Uint8Array<ArrayBuffer>) : null,
    });

    let settle!: (c: TsgiCompletion) => void;
    const completed = new Promise<TsgiCompletion>((resolve) => (settle = resolve));
    const waits: Promise<unknown>[] = [];
    let captured: unknown = undefined;
    let hasCaptured = false;
    const logs = this.logs;
    const log: TsgiLogger = {
      debug: (m) => void logs.push(['debug', m]),
      info: (m) => void logs.push(['info', m]),
      warn: (m) => void logs.push(['warn', m]),
      error: (m, ...d) => void logs.push(['error', [m, ...d.map((x) => (x instanceof Error ? x.stack : String(x)))].join(' ')]),
    };
    const remote = this.#options.remoteAddress ?? '127.0.0.1';
    const context: TsgiContext & Record<symbol, unknown> = {
      remoteAddress: remote,
      remotePort: 50000,
      client: { address: remote, port: 50000 },
      localAddress: '127.0.0.1',
      localPort: secure ? 443 : 80,
      serverName: host.replace(/:\d+$/, ''),
      encrypted: secure,
      scheme: secure ? 'https' : 'http',
      protocol: 'HTTP/1.1',
      rawHeaders: headerList.flat(),
      mountPath: this.#options.mountPath ?? '',
      state: {},
      worker: { id: 1, pid: process.pid },
      server: { software: 'tsgi-framework-test-client', tsgiVersion: TSGI_VERSION, extensions: {}, limits: DEFAULT_LIMITS },
      log,
      completed,
      waitUntil: (p) => void waits.push(Promise.resolve(p).catch(() => undefined)),
      [TEST_CLIENT]: { enforceCsrfChecks: this.#options.enforceCsrfChecks ?? false },
      [GOT_REQUEST_EXCEPTION]: (error: unknown) => {
        captured = error;
        hasCaptured = true;
      },
    };

    const request = new HttpRequest(raw, context, this.#app.settings);
    let response: HttpResponseBase;
    try {
      response = await this.#app.handle(request);
    } finally {
      // Nothing is "sent" on failure; completion still settles so cleanups run.
    }
    const fetchResponse = response.toResponse(method === 'HEAD');
    const content = method === 'HEAD' ? new Uint8Array(0) : new Uint8Array(await fetchResponse.arrayBuffer());
    settle({ aborted: false, bytesWritten: content.byteLength, status: response.status });
    await Promise.all(waits);
    if (hasCaptured && (this.#options.raiseRequestException ?? true)) throw captured;

    const setCookies = fetchResponse.headers.getSetCookie();
    this.#store(setCookies);
    const text = new TextDecoder().decode(content);
    return {
      status: response.status,
      reason: response.reason,
      headers: fetchResponse.headers,
      content,
      text,
      json<T>() {
        return JSON.parse(text) as T;
      },
      response,
      request,
      redirectChain: [],
      setCookies,
    };
  }

  #cookieHeader(path: string): string {
    const now = Date.now();
    const parts: string[] = [];
    for (const [name, c] of this.cookies) {
      if (c.expires !== null && c.expires <= now) {
        this.cookies.delete(name);
        continue;
      }
      if (path.startsWith(c.path) || c.path === '/') parts.push(`${name}=${c.value}`);
    }
    return parts.join('; ');
  }

  #store(setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const c = parseSetCookie(header);
      const expires = c.maxAge !== undefined ? Date.now() + c.maxAge * 1000 : c.expires ? c.expires.getTime() : null;
      if (expires !== null && expires <= Date.now()) this.cookies.delete(c.name);
      else this.cookies.set(c.name, { value: header.slice(header.indexOf('=') + 1).split(';', 1)[0] as string, path: c.path ?? '/', expires });
    }
  }
}

function withData(data: FormData | RequestOptions | undefined, options: RequestOptions): RequestOptions {
  if (data === undefined) return options;
  const keys: readonly string[] = ['json', 'form', 'multipart', 'body', 'query', 'headers', 'follow', 'secure', 'contentType'];
  const looksLikeOptions = Object.keys(data).length > 0 && Object.keys(data).every((k) => keys.includes(k));
  if (looksLikeOptions) return { ...(data as RequestOptions), ...options };
  if (options.contentType === 'application/json') return { ...options, json: data };
  return { ...options, multipart: data as FormData };
}

const BOUNDARY = 'BoUnDaRyStRiNg';

function encodeBody(options: RequestOptions): { body: Uint8Array; contentType: string } | null {
  const enc = new TextEncoder();
  if (options.json !== undefined) return { body: enc.encode(JSON.stringify(options.json)), contentType: 'application/json' };
  if (options.body !== undefined) {
    return { body: typeof options.body === 'string' ? enc.encode(options.body) : options.body, contentType: options.contentType ?? 'application/octet-stream' };
  }
  if (options.form) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(options.form)) {
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, typeof item === 'object' ? (item as TestFile).name : String(item));
    }
    return { body: enc.encode(qs.toString()), contentType: 'application/x-www-form-urlencoded' };
  }
  if (options.multipart) {
    const chunks: Uint8Array[] = [];
    for (const [k, v] of Object.entries(options.multipart)) {
      for (const item of Array.isArray(v) ? v : [v]) {
        const name = k.replace(/"/g, '%22');
        if (typeof item === 'object') {
          const file = item as TestFile;
          chunks.push(enc.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.name.replace(/"/g, '%22')}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`));
          chunks.push(typeof file.content === 'string' ? enc.encode(file.content) : file.content);
          chunks.push(enc.encode('\r\n'));
        } else {
          chunks.push(enc.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${String(item)}\r\n`));
        }
      }
    }
    chunks.push(enc.encode(`--${BOUNDARY}--\r\n`));
    return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
  }
  return null;
}

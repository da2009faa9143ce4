/**
 * One request/response exchange: the per-request state the adapter keeps, and the
 * `TsgiContext` view of it the app receives. Everything not needed by every request (client
 * resolution, state copy, the completed promise, the abort signal) is built on first read.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AdapterConfig } from './adapter-config.js';
import type { BodyState } from './body-stream.js';
import { normalizeIp } from './ip-address.js';
import { buildUrl } from './request-url.js';
import { resolveForwarded, type ForwardedInfo } from './trusted-proxy.js';
import type {
  TsgiClient,
  TsgiCompletion,
  TsgiContext,
  TsgiLogger,
  TsgiServerInfo,
  TsgiState,
  TsgiWorker,
} from './types.js';

const NOT_RESOLVED = Symbol('notResolved');

/** Per-request state shared by the adapter's parts. Internal. */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly config: AdapterConfig;
  /** The request target path+query (absolute-form targets reduced to their path). */
  readonly path: string;
  /** Host from an absolute-form target, which overrides the Host header (RFC 9112 section 3.2.2). */
  readonly targetHost: string | undefined;
  /** True once this exchange has written (or given up writing) its response. */
  responded = false;
  /** True once the socket closed before the response finished. */
  aborted = false;
  /** True once 'close' was seen. */
  closed = false;
  status = 0;
  bytesWritten = 0;
  /** The app's response body reader while streaming, cancelled if the client goes away. */
  bodyReader: ReadableStreamDefaultReader<Uint8Array> | undefined = undefined;
  /** Called on close (set by the request body stream to error it on disconnect). */
  onAbort: (() => void) | undefined = undefined;
  /** True when the request carries content (a Content-Length > 0 or Transfer-Encoding), given to the app or not. */
  hasBody = false;
  /** The request given to the app (for onError). */
  request: Request | undefined = undefined;
  /** The context given to the app (for onError). */
  context: TsgiContext | undefined = undefined;
  /** True once onError ran for this exchange (it is not asked twice). */
  onErrorUsed = false;
  /** The request body's bookkeeping once the app asked for the body. */
  bodyState: BodyState | undefined = undefined;
  /** Whether `100 Continue` must be sent when the app starts reading the body. */
  needsContinue: boolean;
  #controller: AbortController | undefined = undefined;
  #forwarded: ForwardedInfo | undefined | typeof NOT_RESOLVED = NOT_RESOLVED;
  #completion: Promise<TsgiCompletion> | undefined = undefined;
  #resolveCompletion: ((c: TsgiCompletion) => void) | undefined = undefined;

  constructor(config: AdapterConfig, req: IncomingMessage, res: ServerResponse, path: string, targetHost: string | undefined, needsContinue: boolean) {
    this.config = config;
    this.req = req;
    this.res = res;
    this.path = path;
    this.targetHost = targetHost;
    this.needsContinue = needsContinue;
  }

  /** What trusted proxies said, resolved once. */
  get forwarded(): ForwardedInfo | undefined {
    if (this.#forwarded === NOT_RESOLVED) {
      this.#forwarded = resolveForwarded(this.req.headers, this.remoteAddress, this.config.trusted);
    }
    return this.#forwarded;
  }

  get remoteAddress(): string {
    const a = this.req.socket.remoteAddress;
    return a === undefined ? '' : normalizeIp(a);
  }

  get encrypted(): boolean {
    return (this.req.socket as Partial<TLSSocket>).encrypted === true;
  }

  get scheme(): 'http' | 'https' {
    const fwd = this.forwarded;
    if (fwd !== undefined && fwd.scheme !== undefined) return fwd.scheme;
    return this.encrypted ? 'https' : 'http';
  }

  /** The authority the URL is built from: absolute-form target, trusted X-Forwarded-Host, Host, else the local address. */
  get host(): string {
    const fwd = this.forwarded;
    if (fwd !== undefined && fwd.host !== undefined && fwd.host !== '') return fwd.host;
    if (this.targetHost !== undefined) return this.targetHost;
    const host = this.req.headers.host;
    if (host !== undefined && host !== '') return host;
    const local = this.req.socket.localAddress ?? '127.0.0.1';
    const addr = normalizeIp(local);
    return `${addr.includes(':') ? `[${addr}]` : addr}:${this.req.socket.localPort ?? 0}`;
  }

  #url: string | undefined = undefined;

  /** `request.url`, built once (lazily: most handlers that read it read nothing else). */
  get url(): string {
    return (this.#url ??= buildUrl(this.scheme, this.host, this.path));
  }

  /** The signal given to the app; aborts only when the client goes away before the response ends. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(clientGone());
    }
    return this.#controller.signal;
  }

  get completed(): Promise<TsgiCompletion> {
    if (this.#completion === undefined) {
      if (this.closed) {
        this.#completion = Promise.resolve(this.completion());
      } else {
        this.#completion = new Promise((resolve) => (this.#resolveCompletion = resolve));
      }
    }
    return this.#completion;
  }

  completion(): TsgiCompletion {
    return { aborted: this.aborted, bytesWritten: this.bytesWritten, status: this.status };
  }

  /** The response's socket closed: settle everything that waits on this exchange. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableFinished) {
      this.aborted = true;
      this.#controller?.abort(clientGone());
      this.onAbort?.();
      const reader = this.bodyReader;
      if (reader !== undefined) {
        this.bodyReader = undefined;
        reader.cancel(clientGone()).catch(() => {});
      }
    }
    this.#resolveCompletion?.(this.completion());
    this.config.tracker.requestDone();
  }
}

function clientGone(): DOMException {
  return new DOMException('The client closed the connection before the response was complete', 'AbortError');
}

/** The `TsgiContext` an app receives: a view over the {@link Exchange}. */
export class NodeContext implements TsgiContext {
  readonly #ex: Exchange;
  #client: TsgiClient | undefined = undefined;
  #state: TsgiState | undefined = undefined;

  constructor(ex: Exchange) {
    this.#ex = ex;
  }

  get remoteAddress(): string {
    return this.#ex.remoteAddress;
  }
  get remotePort(): number {
    return this.#ex.req.socket.remotePort ?? 0;
  }
  get client(): TsgiClient {
    if (this.#client === undefined) {
      const fwd = this.#ex.forwarded;
      this.#client =
        fwd !== undefined
          ? Object.freeze({ address: fwd.clientAddress, port: fwd.clientPort })
          : Object.freeze({ address: this.remoteAddress, port: this.#ex.req.socket.remotePort });
    }
    return this.#client;
  }
  get localAddress(): string {
    const a = this.#ex.req.socket.localAddress;
    return a === undefined ? '' : normalizeIp(a);
  }
  get localPort(): number {
    return this.#ex.req.socket.localPort ?? 0;
  }
  get serverName(): string {
    // SPEC 4.0.3: exactly `new URL(request.url).hostname` (IPv6 keeps its brackets). Parsing is
    // fine here: it is read rarely, and the URL parser's host rules are the ones to match.
    return new URL(this.#ex.url).hostname;
  }
  get encrypted(): boolean {
    return this.#ex.encrypted;
  }
  get scheme(): 'http' | 'https' {
    return this.#ex.scheme;
  }
  get protocol(): string {
    return `HTTP/${this.#ex.req.httpVersion}`;
  }
  get rawHeaders(): readonly string[] {
    return this.#ex.req.rawHeaders;
  }
  get mountPath(): string {
    return this.#ex.config.mountPath;
  }
  get state(): TsgiState {
    if (this.#state === undefined) {
      const shared = this.#ex.config.state;
      this.#state = shared === undefined ? {} : { ...shared };
    }
    return this.#state;
  }
  get worker(): TsgiWorker {
    return this.#ex.config.worker;
  }
  get server(): TsgiServerInfo {
    return this.#ex.config.server;
  }
  get log(): TsgiLogger {
    return this.#ex.config.log;
  }
  get completed(): Promise<TsgiCompletion> {
    return this.#ex.completed;
  }
  waitUntil(promise: PromiseLike<unknown>): void {
    if (promise === null || (typeof promise !== 'object' && typeof promise !== 'function') || typeof promise.then !== 'function') {
      throw new TypeError('tsgi: context.waitUntil() expects a promise');
    }
    this.#ex.config.tracker.waitUntil(promise);
  }
}


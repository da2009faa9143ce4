/**
 * Kept-alive HTTP/1.1 connections to one upstream server, with nginx's `keepalive N` enforced.
 *
 * undici's Pool bounds idle connections only by time and picks the first free client in creation
 * order, so it can neither cap idle connections by count nor prefer the warm one. This pool keeps
 * one undici Client per connection (one request at a time, as nginx) and:
 * - gives a request the most recently used idle connection (nginx takes the head of its cache),
 *   else opens one (up to `max_conns`, else the request waits for the next free connection);
 * - when a response finishes, puts the connection in the upstream's {@link IdleCache}, which
 *   closes the least recently used idle connection past N;
 * - drops a connection whose socket closed (upstream or keep-alive timeout) from the cache, so a
 *   closed one is never counted as idle.
 * Taking and returning a connection is O(1) and allocates nothing; only opening and closing one
 * (a new socket anyway) allocates. With `keepalive 0`, requests go out with `Connection: close`
 * (as nginx does without a keepalive cache) and every connection closes after its response.
 * @module
 */
import { createRequire } from 'node:module';
import type { Client, Dispatcher, buildConnector } from 'undici';
import type { IdleCache, IdleEntry } from './idle-cache.js';

const requireUndici = createRequire(import.meta.url);

/**
 * undici's Client and connector from their own modules rather than undici's index, which loads
 * all of undici (fetch, WebSocket, caches, mocks): +13.7 / +16.8 MB of RSS on Node 20 / 24 for
 * the index against +7.7 / +2.7 for these two (2026-12-06, imported after node's crypto, tls,
 * https and http2); an idle reverse-proxy worker measured 94.1 -> 86.3-86.9 MB on Node 24 and
 * the same on Node 20 (71.6 -> 72.3-73.3, within noise). An undici that moves them falls back to
 * the index (upstream-pool.test.ts covers both paths and checks they are the index's objects).
 * @internal
 */
export function undiciExport<T>(file: string, name: string): T {
  try {
    return requireUndici(`undici/lib/${file}`) as T;
  } catch {
    return (requireUndici('undici') as Record<string, T>)[name]!;
  }
}
const UndiciClient = undiciExport<typeof Client>('dispatcher/client.js', 'Client');
const undiciConnector = undiciExport<typeof buildConnector>('core/connect.js', 'buildConnector');

/** How to reach the server and how long connections live. */
export interface UpstreamPoolOptions {
  /** `http://host:port` (or `http://localhost` with `socketPath`). */
  readonly origin: string;
  readonly socketPath?: string;
  readonly connectTimeoutMs: number;
  /** Idle connections close after this, or 1 s before the server's own `Keep-Alive: timeout=N`. */
  readonly keepaliveTimeoutMs: number;
  /** Most connections open at once (nginx `max_conns`; 0 = unlimited). */
  readonly maxConns: number;
}

/** One connection: its client and its links in the pool's idle stack and in the upstream cache. */
interface Connection extends IdleEntry {
  readonly client: Client;
  /** Socket established and not closed since. */
  connected: boolean;
  /** In this pool's idle stack (then also in the cache, unless evicted this very moment). */
  idle: boolean;
  /** Closed by the pool: ignore its late events. */
  closed: boolean;
  poolNewer: Connection | undefined;
  poolOlder: Connection | undefined;
}

const noop = (): void => undefined;

/**
 * The connections of one server (for one connect timeout), sharing the upstream's idle cache.
 *
 * @example
 * ```ts
 * const cache = new IdleCache(upstream.keepalive);           // one per upstream block
 * const pool = new UpstreamPool({ origin: 'http://127.0.0.1:8000', connectTimeoutMs: 60_000,
 *   keepaliveTimeoutMs: 60_000, maxConns: 0 }, cache);
 * pool.dispatch({ method: 'GET', path: '/', headers: {} }, handler); // an undici DispatchHandler
 * await pool.destroy();
 * ```
 */
export class UpstreamPool {
  readonly #cache: IdleCache;
  readonly #maxConns: number;
  readonly #url: URL;
  readonly #clientOptions: Client.Options;
  /** Top of the idle stack: the most recently used idle connection. */
  #newestIdle: Connection | undefined;
  /** Every open (or opening) connection, idle or busy. */
  readonly #all = new Set<Connection>();
  /** Requests waiting for a connection at `max_conns`: opts and handler in turn, from #waitHead. */
  #waiting: unknown[] = [];
  #waitHead = 0;
  #destroyed = false;

  constructor(options: UpstreamPoolOptions, cache: IdleCache) {
    this.#cache = cache;
    this.#maxConns = options.maxConns;
    this.#url = new URL(options.origin);
    this.#clientOptions = {
      // One connector for every connection, as undici's Pool shares one.
      connect: undiciConnector({ socketPath: options.socketPath, timeout: options.connectTimeoutMs }),
      pipelining: 1,
      keepAliveTimeout: options.keepaliveTimeoutMs,
      keepAliveMaxTimeout: options.keepaliveTimeoutMs,
      keepAliveTimeoutThreshold: 1_000,
      // Responses are checked and limited by the proxy itself.
      maxResponseSize: -1,
    };
  }

  /** Connections open now, idle or busy. */
  get connections(): number {
    return this.#all.size;
  }

  /**
   * Sends one request on an idle connection, a new one, or (at `max_conns`) the next that frees up.
   * Returns false when the request had to wait.
   */
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#destroyed) {
      (handler as { onError?: (err: Error) => void }).onError?.(Object.assign(new Error('upstream pool closed'), { code: 'UND_ERR_DESTROYED' }));
      return false;
    }
    // No idle cache: tell the server the connection ends with this response (RFC 9112 9.6).
    if (this.#cache.capacity === 0) (opts as { reset?: boolean }).reset = true;
    let c = this.#newestIdle;
    if (c) this.#unstack(c);
    else if (this.#maxConns === 0 || this.#all.size < this.#maxConns) c = this.#open();
    else {
      this.#waiting.push(opts, handler);
      return false;
    }
    return c.client.dispatch(opts, handler);
  }

  /** Closes every connection; waiting requests fail. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const waiting = this.#waiting.slice(this.#waitHead);
    this.#waiting = [];
    this.#waitHead = 0;
    for (let i = 1; i < waiting.length; i += 2) {
      (waiting[i] as { onError?: (err: Error) => void }).onError?.(Object.assign(new Error('upstream pool closed'), { code: 'UND_ERR_DESTROYED' }));
    }
    const closing: Array<Promise<void>> = [];
    for (const c of this.#all) {
      this.#cache.remove(c);
      c.closed = true;
      closing.push(c.client.destroy().catch(noop));
    }
    this.#all.clear();
    this.#newestIdle = undefined;
    await Promise.all(closing);
  }

  #open(): Connection {
    const client = new UndiciClient(this.#url, this.#clientOptions);
    const c: Connection = {
      client,
      connected: false,
      idle: false,
      closed: false,
      cached: false,
      cacheNewer: undefined,
      cacheOlder: undefined,
      poolNewer: undefined,
      poolOlder: undefined,
      // The cache already unlinked it: leave the stack and close.
      evict: () => {
        this.#unstack(c);
        this.#close(c);
      },
    };
    client.on('connect', () => {
      c.connected = true;
    });
    client.on('disconnect', () => {
      c.connected = false;
      // An idle socket the server (or the keep-alive timer) closed is not idle capacity any more.
      if (c.idle && !c.closed) {
        this.#unstack(c);
        this.#cache.remove(c);
        this.#close(c);
      }
    });
    // 'drain': the client finished its request (response complete, or failed) and is free.
    client.on('drain', () => this.#onFree(c));
    this.#all.add(c);
    return c;
  }

  #onFree(c: Connection): void {
    if (c.closed || this.#destroyed) return;
    if (this.#waitHead < this.#waiting.length) {
      const opts = this.#waiting[this.#waitHead] as Dispatcher.DispatchOptions;
      const handler = this.#waiting[this.#waitHead + 1] as Dispatcher.DispatchHandler;
      this.#waiting[this.#waitHead] = this.#waiting[this.#waitHead + 1] = undefined;
      this.#waitHead += 2;
      if (this.#waitHead === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#waitHead = 0;
      }
      // A connection that closed meanwhile reconnects for it (it still counts toward max_conns).
      c.client.dispatch(opts, handler);
      return;
    }
    if (!c.connected) {
      this.#close(c);
      return;
    }
    c.idle = true;
    c.poolNewer = undefined;
    c.poolOlder = this.#newestIdle;
    if (this.#newestIdle) this.#newestIdle.poolNewer = c;
    this.#newestIdle = c;
    // Last: this may evict the least recently used idle connection of the upstream (c itself at 0).
    this.#cache.add(c);
  }

  /** Takes `c` out of the idle stack and the cache (it is about to be used, or closed). */
  #unstack(c: Connection): void {
    if (c.idle) {
      c.idle = false;
      if (c.poolNewer) c.poolNewer.poolOlder = c.poolOlder;
      else this.#newestIdle = c.poolOlder;
      if (c.poolOlder) c.poolOlder.poolNewer = c.poolNewer;
      c.poolNewer = c.poolOlder = undefined;
    }
    this.#cache.remove(c);
  }

  #close(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    this.#all.delete(c);
    c.client.destroy().catch(noop);
  }
}

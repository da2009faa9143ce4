/**
 * One upstream server's live state: its keep-alive connection pools (one request per connection
 * at a time, as nginx; idle connections bounded by the upstream's `keepalive` cache), its
 * in-flight count, and its passive and active health, as nginx's `max_fails`/`fail_timeout` and
 * health checks define them.
 * @module
 */
import type { IdleCache } from './idle-cache.js';
import { UpstreamPool } from './upstream-pool.js';
import type { UpstreamServerOptions } from './options.js';

/** The live state of one `server` line. */
export class UpstreamServer {
  readonly options: UpstreamServerOptions;
  /** Pools by connect timeout (locations sharing this server may set different ones; usually one). */
  readonly #pools = new Map<number, UpstreamPool>();
  readonly #idle: IdleCache;
  readonly #keepaliveTimeoutMs: number;
  /** The only server of its upstream: passive health does not apply (see {@link recordFailure}). */
  readonly #alone: boolean;
  /** Requests in flight (counted from the connect attempt to the end of the upstream response). */
  active = 0;
  requests = 0;
  failures = 0;
  /** Smooth weighted round robin state (nginx `ngx_http_upstream_get_peer`). */
  currentWeight = 0;
  /** Passive health: failures counted in the window that started at `failWindowStart`. */
  #fails = 0;
  #failWindowStart = 0;
  #failedUntil = 0;
  /** When the current passive mark was set (0: none), for {@link checkPassed}. */
  #failedAt = 0;
  /** Active health: false once `fall` checks failed in a row, true again after `rise` passes. */
  healthy = true;

  /**
   * @param idle the upstream block's idle connection cache (nginx `keepalive N`), shared by its servers
   * @param alone the upstream block has no other server (primary or backup)
   */
  constructor(options: UpstreamServerOptions, idle: IdleCache, keepaliveTimeoutMs: number, alone = false) {
    this.options = options;
    this.#idle = idle;
    this.#keepaliveTimeoutMs = keepaliveTimeoutMs;
    this.#alone = alone;
  }

  /**
   * The connection pool for requests with this connect timeout. Idle connections close after
   * `keepaliveTimeoutMs`, or 1 s before the server's own `Keep-Alive: timeout=N`, whichever is
   * sooner, and past the upstream's `keepalive` count the least recently used one closes.
   */
  pool(connectTimeoutMs: number): UpstreamPool {
    let p = this.#pools.get(connectTimeoutMs);
    if (!p) {
      const a = this.options.address;
      p = new UpstreamPool({
        origin: a.kind === 'tcp' ? `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : 'http://localhost',
        socketPath: a.kind === 'unix' ? a.path : undefined,
        connectTimeoutMs,
        keepaliveTimeoutMs: this.#keepaliveTimeoutMs,
        maxConns: this.options.maxConns,
      }, this.#idle);
      this.#pools.set(connectTimeoutMs, p);
    }
    return p;
  }

  /** The Host for requests whose client sent none: `host:port`, or `localhost` for a unix socket. */
  get hostName(): string {
    const a = this.options.address;
    return a.kind === 'tcp' ? `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : 'localhost';
  }

  /** Connection options for http.request (TCP host/port or unix socket path). */
  get target(): { host: string; port: number } | { socketPath: string } {
    const a = this.options.address;
    return a.kind === 'tcp' ? { host: a.host, port: a.port } : { socketPath: a.path };
  }

  /** Whether the balancer may pick this server now. */
  available(now: number): boolean {
    const o = this.options;
    if (o.down || !this.healthy) return false;
    if (o.maxConns > 0 && this.active >= o.maxConns) return false;
    return now >= this.#failedUntil;
  }

  /** Passively failed right now (for stats). */
  failed(now: number): boolean {
    return now < this.#failedUntil;
  }

  /**
   * Counts a failure (error or timeout talking to the server). `maxFails` failures within
   * `failTimeoutMs` mark the server failed for `failTimeoutMs` (nginx semantics; 0 disables).
   * A server alone in its upstream is never marked failed, as in nginx ("max_fails, fail_timeout
   * ... are ignored, and such a server will never be considered unavailable"): there is nowhere
   * else to send the request, so marking it failed would only turn one failed request into
   * fail_timeout of 502s for every client. Measured: a tsgi-appserver reload that cut 5 and 14
   * POSTs behind it gave 20,592 and 8,911 502s ("no live upstreams") instead.
   * @returns true when this failure took the server out (it was not marked already), for the error log
   */
  recordFailure(now: number): boolean {
    this.failures++;
    const o = this.options;
    if (o.maxFails <= 0 || this.#alone) return false;
    if (now - this.#failWindowStart > o.failTimeoutMs) {
      this.#failWindowStart = now;
      this.#fails = 0;
    }
    this.#fails++;
    if (this.#fails < o.maxFails) return false;
    const wasFailed = now < this.#failedUntil;
    this.#failedUntil = now + o.failTimeoutMs;
    this.#failedAt = now;
    this.#fails = 0;
    this.#failWindowStart = now;
    return !wasFailed;
  }

  /**
   * An active health check that began at `startedAt` passed. It ends a passive mark set before it
   * began: the server answered since it failed, so it rejoins at once instead of after the rest of
   * `fail_timeout` (a restarted app server came back up to 10 s late, ~6.5 s on average, before).
   * A mark set while the check was under way stands: the check may have answered before the failure.
   * @returns true when a passive mark was ended (for the error log)
   */
  checkPassed(startedAt: number): boolean {
    if (this.#failedAt === 0 || this.#failedAt >= startedAt) return false;
    const wasFailed = startedAt < this.#failedUntil;
    this.#failedUntil = 0;
    this.#failedAt = 0;
    this.#fails = 0;
    return wasFailed;
  }

  /** A good answer resets the passive failure count. */
  recordSuccess(): void {
    this.#fails = 0;
  }

  /** Connections open to this server now, idle or busy (all its pools). */
  get connections(): number {
    let n = 0;
    for (const p of this.#pools.values()) n += p.connections;
    return n;
  }

  destroy(): void {
    for (const p of this.#pools.values()) void p.destroy().catch(() => undefined);
    this.#pools.clear();
  }
}

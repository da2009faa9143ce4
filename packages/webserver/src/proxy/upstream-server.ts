/**
 * One upstream server's live state: its keep-alive connection pool (a node:http Agent), its
 * in-flight count, and its passive and active health, as nginx's `max_fails`/`fail_timeout` and
 * health checks define them.
 * @module
 */
import { Agent } from 'node:http';
import type { UpstreamServerOptions } from './options.js';

/** The live state of one `server` line. */
export class UpstreamServer {
  readonly options: UpstreamServerOptions;
  readonly agent: Agent;
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
  /** Active health: false once `fall` checks failed in a row, true again after `rise` passes. */
  healthy = true;

  constructor(options: UpstreamServerOptions, keepalive: number, keepaliveTimeoutMs: number) {
    this.options = options;
    this.agent = new Agent({
      keepAlive: true,
      // nginx's `keepalive N`: idle connections kept; busy ones are bounded by max_conns (or not at all).
      maxFreeSockets: Math.max(1, keepalive),
      maxSockets: options.maxConns > 0 ? options.maxConns : Infinity,
      // Idle sockets are closed after this; sockets in use get per-phase timeouts from the proxy.
      timeout: keepaliveTimeoutMs,
      // Reuse the most recently used socket: the least likely to have been closed by the upstream.
      scheduling: 'lifo',
    });
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
   */
  recordFailure(now: number): void {
    this.failures++;
    const o = this.options;
    if (o.maxFails <= 0) return;
    if (now - this.#failWindowStart > o.failTimeoutMs) {
      this.#failWindowStart = now;
      this.#fails = 0;
    }
    this.#fails++;
    if (this.#fails >= o.maxFails) {
      this.#failedUntil = now + o.failTimeoutMs;
      this.#fails = 0;
      this.#failWindowStart = now;
    }
  }

  /** A good answer resets the passive failure count. */
  recordSuccess(): void {
    this.#fails = 0;
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * `keepalive_timeout` for HTTP/2: a session with no request in progress for that long is closed
 * (GOAWAY, then the connection), as nginx closes an idle HTTP/2 connection. One sweep over the
 * worker's sessions a few times per timeout, reading the sessions' connection records.
 *
 * Why not node's `server.setTimeout(ms)`: node refreshes that timer on every frame of every
 * session (`kUpdateTimer`), about 2% of the worker's CPU profile on the HTTP/2 row
 * (bench/README.md, "Profile: the TLS and HTTP/2 rows"), and on an `ssl http2` port it also
 * arms a socket timeout on every HTTP/1.1 connection, refreshed on every write, that cut a
 * request whose upstream stayed silent for that long.
 * @module
 */
import type { Http2Session } from 'node:http2';
import type { ConnectionRecord } from '../status/counters.js';

/**
 * Closes the sessions of `sessions` that have been idle for `timeoutMs`.
 * @example
 * ```ts
 * const sweep = new IdleSessions(sessions, 75_000);
 * // on shutdown:
 * sweep.close();
 * ```
 */
export class IdleSessions {
  readonly #sessions: ReadonlyMap<Http2Session, ConnectionRecord>;
  readonly #timeoutMs: number;
  readonly #timer: NodeJS.Timeout;

  constructor(sessions: ReadonlyMap<Http2Session, ConnectionRecord>, timeoutMs: number) {
    this.#sessions = sessions;
    this.#timeoutMs = timeoutMs;
    // A session is closed between timeoutMs and 1.25 x timeoutMs (at most 1 s) after its last response.
    this.#timer = setInterval(() => this.sweep(Date.now()), Math.max(25, Math.min(1000, timeoutMs / 4)));
    this.#timer.unref();
  }

  /** Closes every session with no request in progress since `now - timeoutMs` or earlier. */
  sweep(now: number): void {
    for (const [session, record] of this.#sessions) {
      if (record.inflight === 0 && now - record.idleSince >= this.#timeoutMs && !session.closed) session.close();
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

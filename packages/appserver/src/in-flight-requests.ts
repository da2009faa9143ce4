/**
 * The requests in flight on one worker: what a graceful stop needs (their responses say
 * `Connection: close` once the worker is stopping) and what the master is told in each
 * heartbeat (their request lines). Every request of the worker passes {@link InFlightRequests.wrap}:
 * a Set entry and one shared 'close' listener, ~65 ns a request measured (10^6 calls, Node 20),
 * against ~170-320 us for a loopback request through one worker on the same shared 2-core machine
 * (autocannon, 10 connections: 3.1k requests/s average, 5.8k peak). Lines are built only for a heartbeat.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wrapHandler, type RequestHandler } from './request-handler.js';
import type { StallWatchdog } from './stall-watchdog.js';

/** The request line of `req`, as the access log's `%(r)s` shows it. */
export function requestLineOf(req: IncomingMessage): string {
  return `${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}`;
}

/**
 * Tracks the responses not yet closed on one worker.
 *
 * @example
 * ```ts
 * const inFlight = new InFlightRequests();
 * http.on('request', inFlight.wrap(listener));
 * inFlight.stop(); // from now on every response not yet started carries Connection: close
 * ```
 */
export class InFlightRequests {
  readonly #responses = new Set<ServerResponse>();
  /** Requests started since the worker began serving. */
  started = 0;
  #stopping = false;
  /** The request count at which {@link onLimit} runs (Infinity: none). */
  #limit = Number.POSITIVE_INFINITY;
  #onLimit: () => void = () => {};
  /** One listener for every response (no closure per request). */
  readonly #forget: (this: ServerResponse) => void;
  readonly #watchdog: StallWatchdog | undefined;

  /** `watchdog`: each request start is noted in its slot (--timeout's report of a blocked loop). */
  constructor(watchdog?: StallWatchdog) {
    this.#watchdog = watchdog;
    const responses = this.#responses;
    this.#forget = function (this: ServerResponse) {
      responses.delete(this);
    };
  }

  /** Responses not yet closed. */
  get size(): number {
    return this.#responses.size;
  }

  /** The request lines of the oldest `max` requests in flight (insertion order is start order). */
  lines(max: number): string[] {
    const out: string[] = [];
    for (const res of this.#responses) {
      if (out.length >= max) break;
      out.push(requestLineOf(res.req));
    }
    return out;
  }

  /** Calls `then` once, when the `limit`-th request starts (--max-requests). */
  atRequest(limit: number, then: () => void): void {
    this.#limit = limit;
    this.#onLimit = then;
  }

  /**
   * The worker is stopping: requests that arrive on kept-alive connections are still served,
   * and every response whose head has not gone out yet says `Connection: close`, so its
   * connection closes after it (FIN after the response, never a reset under the client).
   */
  stop(): void {
    this.#stopping = true;
    for (const res of this.#responses) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  /** `handler` (and its checkContinue companion) with every request tracked. */
  wrap(handler: RequestHandler): RequestHandler {
    return wrapHandler(handler, (inner) => (req, res) => {
      if (++this.started === this.#limit) this.#onLimit();
      this.#watchdog?.noteRequest(req);
      this.#responses.add(res);
      res.on('close', this.#forget);
      if (this.#stopping) res.shouldKeepAlive = false;
      inner(req, res);
    });
  }
}

/**
 * The requests in flight on one worker: what a graceful stop needs (their responses say
 * `Connection: close` once the worker is stopping) and what the master is told in each
 * heartbeat (their request lines). Every request of the worker passes {@link InFlightRequests.wrap}.
 *
 * The responses are kept in a plain array that is swept of finished ones now and then, not in a
 * Set with a 'close' listener per response. CPU profiles of the framework bench row
 * (tsgi-appserver -w 1, 40,000 requests, 2026-12-06, a loaded machine, so read shares): the Set's
 * delete and the listener took 2.3% of the worker's busy time, this file's code with the array
 * 1.3% (using an object as a Set key makes V8 give it an identity hash, and each listener is an
 * addListener plus an emit). The sweep runs when the array has doubled since the last one, so
 * it costs O(1) a request and keeps at most twice the
 * live responses (plus 64) reachable. Lines are built only for a heartbeat.
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
  /** Responses started, in start order; finished ones are dropped by {@link #sweep}. */
  #responses: ServerResponse[] = [];
  /** The array length at which the next sweep runs. */
  #sweepAt = SWEEP_MIN;
  /** Requests started since the worker began serving. */
  started = 0;
  #stopping = false;
  /** The request count at which {@link onLimit} runs (Infinity: none). */
  #limit = Number.POSITIVE_INFINITY;
  #onLimit: () => void = () => {};
  readonly #watchdog: StallWatchdog | undefined;

  /** `watchdog`: each request start is noted in its slot (--timeout's report of a blocked loop). */
  constructor(watchdog?: StallWatchdog) {
    this.#watchdog = watchdog;
  }

  /** Responses not yet finished. */
  get size(): number {
    return this.#live().length;
  }

  /** The request lines of the oldest `max` requests in flight (the array is in start order). */
  lines(max: number): string[] {
    return this.#live()
      .slice(0, max)
      .map((res) => requestLineOf(res.req));
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
    for (const res of this.#live()) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  /** `handler` (and its checkContinue companion) with every request tracked. */
  wrap(handler: RequestHandler): RequestHandler {
    return wrapHandler(handler, (inner) => (req, res) => {
      if (++this.started === this.#limit) this.#onLimit();
      this.#watchdog?.noteRequest(req);
      if (this.#responses.push(res) >= this.#sweepAt) this.#sweep();
      if (this.#stopping) res.shouldKeepAlive = false;
      inner(req, res);
    });
  }

  /** The responses still in flight, after dropping the finished ones. */
  #live(): ServerResponse[] {
    this.#sweep();
    return this.#responses;
  }

  /** Drops finished responses (all sent, or the connection gone) and sets the next sweep point. */
  #sweep(): void {
    this.#responses = this.#responses.filter(isInFlight);
    this.#sweepAt = Math.max(SWEEP_MIN, 2 * this.#responses.length);
  }
}

/** The smallest array length that triggers a sweep: below it, sweeping costs more than it frees. */
const SWEEP_MIN = 64;

/** A response still in flight: not all of it handed to the socket, and the socket not gone. */
function isInFlight(res: ServerResponse): boolean {
  return !res.writableFinished && !res.destroyed;
}

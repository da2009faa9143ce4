/**
 * The requests in flight on one worker: what a graceful stop needs (their responses say
 * `Connection: close` once the worker is stopping) and what the master is told in each
 * heartbeat (their request lines). Every request of the worker passes {@link InFlightRequests.wrap}.
 *
 * The responses are kept in a plain array, not in a Set with a 'close' listener per response.
 * CPU profiles of the framework bench row (tsgi-appserver -w 1, 40,000 requests, 2026-12-06, a
 * loaded machine, so read shares): the Set's delete and the listener took 2.3% of the worker's
 * busy time, this file's code with the array 1.3% (using an object as a Set key makes V8 give it
 * an identity hash, and each listener is an addListener plus an emit).
 *
 * A finished response must not stay on the array: kept reachable past its request, it survives
 * young-generation GCs and is promoted with its request, socket state and the app's objects. So
 * each new request first pops the finished responses at the end of the array (with an app that
 * answers at once, the one before it), and a sweep of the whole array runs when it has doubled
 * since the last one, plus 8 (O(1) a request). Measured 2026-12-07 under callgrind
 * (tsgi-appserver -w 1, FastResponse hello world, 20,000 requests after 5,000; instructions and
 * first touches of memory per request): swept at 64 as before, 72.4k instructions and 4.4 new
 * cache lines written; swept at 8, 70.8k and 2.4; with the pop, 70.4k and 1.5; with no tracking
 * at all, 70.5k and 0.15. Lines are built only for a heartbeat.
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
  #sweepAt = SWEEP_SLACK;
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
      const list = this.#responses;
      // The responses before this one on the list have usually finished by now: drop them at once.
      while (list.length > 0 && !isInFlight(list[list.length - 1]!)) list.pop();
      if (list.push(res) >= this.#sweepAt) this.#sweep();
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
    // In place: no new array per sweep.
    const list = this.#responses;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const res = list[i]!;
      if (isInFlight(res)) list[kept++] = res;
    }
    list.length = kept;
    this.#sweepAt = 2 * kept + SWEEP_SLACK;
  }
}

/** Finished responses the array may hold past the live ones before a sweep (see the module comment). */
const SWEEP_SLACK = 8;

/** A response still in flight: not all of it handed to the socket, and the socket not gone. */
function isInFlight(res: ServerResponse): boolean {
  return !res.writableFinished && !res.destroyed;
}

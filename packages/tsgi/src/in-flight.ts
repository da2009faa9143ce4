/**
 * Counting what a server must wait for before it may stop: requests in flight and
 * `waitUntil` promises.
 * @module
 */
import type { TsgiLogger } from './types.js';

/** Tracks in-flight requests and `waitUntil` promises; `idle()` resolves when both are zero. */
export class InFlightTracker {
  /** Requests whose response has not finished or been aborted. */
  requests = 0;
  readonly #pending = new Set<Promise<unknown>>();
  #waiters: Array<() => void> = [];
  readonly #log: TsgiLogger;

  constructor(log: TsgiLogger) {
    this.#log = log;
  }

  /** `waitUntil` promises not yet settled. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Called when a request's response finished or was aborted. */
  requestDone(): void {
    this.requests--;
    if (this.requests === 0 && this.#pending.size === 0) this.#wake();
  }

  /** Keeps the server from stopping until `promise` settles; a rejection is logged, never thrown. */
  waitUntil(promise: PromiseLike<unknown>): void {
    const tracked: Promise<unknown> = Promise.resolve(promise).then(
      () => this.#settled(tracked),
      (error: unknown) => {
        this.#log.error('tsgi: a waitUntil() promise rejected', error);
        this.#settled(tracked);
      },
    );
    this.#pending.add(tracked);
  }

  #settled(p: Promise<unknown>): void {
    this.#pending.delete(p);
    if (this.requests === 0 && this.#pending.size === 0) this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once no request is in flight and every `waitUntil` promise has settled. */
  idle(): Promise<void> {
    if (this.requests === 0 && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

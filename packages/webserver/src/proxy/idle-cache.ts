/**
 * nginx's upstream `keepalive N`: at most N idle connections are kept, per worker, for a whole
 * upstream block (all its servers together, as nginx's cache is per `upstream {}`). A connection
 * whose response finished joins the cache as the most recently used; when that makes N + 1, the
 * least recently used idle connection is closed. `keepalive 0` keeps none: every connection is
 * closed once its response is complete. Busy connections are not counted (`max_conns` bounds
 * those).
 *
 * One difference, on purpose: the surplus is closed {@link TRIM_DELAY_MS} after the cache first
 * went past N, not at that instant. Under load, responses finish in batches (one event-loop turn
 * reads many), so the idle count jumps past N for a moment and the next batch of requests needs
 * those connections again: closing at once made a quarter of all requests open a new upstream
 * connection at 50 concurrent clients and `keepalive 32` (2,741 connects for 11,395 requests, a
 * third of the throughput). Idle connections are still bounded to N within the delay.
 *
 * The cache is an intrusive doubly linked list threaded through the connections themselves, so
 * adding, taking and evicting are O(1) and allocate nothing.
 * @module
 */

/** How long the idle count may stay past capacity before the least recently used are closed. */
export const TRIM_DELAY_MS = 1_000;

/** What the cache holds: a connection with its own links, closed by its pool on eviction. */
export interface IdleEntry {
  /** Neighbours in the cache (towards the most and the least recently used). */
  cacheNewer: IdleEntry | undefined;
  cacheOlder: IdleEntry | undefined;
  /** In the cache now. */
  cached: boolean;
  /** Called when the cache drops this entry to make room: close the connection. */
  evict(): void;
}

/**
 * The idle connections of one upstream block.
 *
 * @example
 * ```ts
 * const cache = new IdleCache(32);
 * cache.add(conn);    // a response finished on conn: it is idle, most recently used
 * cache.remove(conn); // conn was taken for a request, or its socket closed
 * ```
 */
export class IdleCache {
  /** Most idle connections kept (nginx `keepalive N`). */
  readonly capacity: number;
  readonly #trimDelayMs: number;
  #newest: IdleEntry | undefined;
  #oldest: IdleEntry | undefined;
  #size = 0;
  #trimTimer: NodeJS.Timeout | undefined;

  /** `trimDelayMs` 0 closes the surplus at once (nginx's exact behaviour; used by tests). */
  constructor(capacity: number, trimDelayMs: number = TRIM_DELAY_MS) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`keepalive must be a non-negative integer, got ${capacity}`);
    this.capacity = capacity;
    this.#trimDelayMs = trimDelayMs;
  }

  /** Idle connections cached now. */
  get size(): number {
    return this.#size;
  }

  /**
   * `entry` just became idle: it is now the most recently used. Past capacity, the oldest are
   * evicted after the trim delay (at once with capacity 0 or no delay).
   */
  add(entry: IdleEntry): void {
    if (entry.cached) this.remove(entry);
    entry.cached = true;
    entry.cacheOlder = this.#newest;
    entry.cacheNewer = undefined;
    if (this.#newest) this.#newest.cacheNewer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
    this.#size++;
    if (this.#size <= this.capacity) return;
    if (this.capacity === 0 || this.#trimDelayMs === 0) {
      this.trim();
      return;
    }
    if (this.#trimTimer === undefined) {
      this.#trimTimer = setTimeout(() => {
        this.#trimTimer = undefined;
        this.trim();
      }, this.#trimDelayMs);
      this.#trimTimer.unref();
    }
  }

  /** Closes the least recently used idle connections until at most `capacity` remain. */
  trim(): void {
    while (this.#size > this.capacity) {
      const victim = this.#oldest!;
      this.remove(victim);
      victim.evict();
    }
  }

  /** Stops the pending trim (the pools are closing every connection anyway). */
  close(): void {
    if (this.#trimTimer !== undefined) clearTimeout(this.#trimTimer);
    this.#trimTimer = undefined;
  }

  /** `entry` is no longer idle (taken for a request) or no longer open. No-op if not cached. */
  remove(entry: IdleEntry): void {
    if (!entry.cached) return;
    entry.cached = false;
    if (entry.cacheNewer) entry.cacheNewer.cacheOlder = entry.cacheOlder;
    else this.#newest = entry.cacheOlder;
    if (entry.cacheOlder) entry.cacheOlder.cacheNewer = entry.cacheNewer;
    else this.#oldest = entry.cacheNewer;
    entry.cacheNewer = entry.cacheOlder = undefined;
    this.#size--;
  }
}

/**
 * nginx's upstream `keepalive N`: at most N idle connections are kept, per worker, for a whole
 * upstream block (all its servers together, as nginx's cache is per `upstream {}`). A connection
 * whose response finished joins the cache as the most recently used; when that makes N + 1, the
 * least recently used idle connection is closed. `keepalive 0` keeps none: every connection is
 * closed once its response is complete. Busy connections are not counted (`max_conns` bounds
 * those).
 *
 * The cache is an intrusive doubly linked list threaded through the connections themselves, so
 * adding, taking and evicting are O(1) and allocate nothing.
 * @module
 */

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
  #newest: IdleEntry | undefined;
  #oldest: IdleEntry | undefined;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`keepalive must be a non-negative integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Idle connections cached now. */
  get size(): number {
    return this.#size;
  }

  /** `entry` just became idle: it is now the most recently used; past capacity the oldest is evicted. */
  add(entry: IdleEntry): void {
    if (entry.cached) this.remove(entry);
    entry.cached = true;
    entry.cacheOlder = this.#newest;
    entry.cacheNewer = undefined;
    if (this.#newest) this.#newest.cacheNewer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
    this.#size++;
    if (this.#size > this.capacity) {
      const victim = this.#oldest!;
      this.remove(victim);
      victim.evict();
    }
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

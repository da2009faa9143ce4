/**
 * A bounded least-recently-used map: a `Map` keeps insertion order, so a hit moves the key to
 * the end and eviction takes from the front. Bounded by entry count and, optionally, by a weight
 * (bytes) per value.
 * @module
 */

/**
 * @example
 * ```ts
 * const lru = new Lru<string, Buffer>(100, 1 << 20, (b) => b.length);
 * lru.set('/a', Buffer.from('x'));
 * lru.get('/a');
 * ```
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  #weight = 0;
  /** The most recently used key: a hit on it needs no reordering (a hot file asked for again). */
  #newest: K | undefined = undefined;

  constructor(
    readonly maxEntries: number,
    readonly maxWeight = Number.POSITIVE_INFINITY,
    readonly weigh: (value: V) => number = () => 0,
    readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.#map.size;
  }

  /** Current total weight. */
  get weight(): number {
    return this.#weight;
  }

  /** Returns the value and marks it most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    // Reordering is a delete and a re-insert, which leaves a hole the Map later compacts: skip
    // it when the key is already the newest (measured ~1% of a 1 KiB static response).
    if (value !== undefined && key !== this.#newest) {
      this.#map.delete(key);
      this.#map.set(key, value);
      this.#newest = key;
    }
    return value;
  }

  set(key: K, value: V): void {
    if (this.maxEntries === 0) {
      this.onEvict?.(key, value);
      return;
    }
    const old = this.#map.get(key);
    if (old !== undefined) {
      if (key === this.#newest) this.#newest = undefined;
      this.#map.delete(key);
      this.#weight -= this.weigh(old);
      if (old !== value) this.onEvict?.(key, old);
    }
    const w = this.weigh(value);
    if (w > this.maxWeight) {
      this.onEvict?.(key, value);
      return;
    }
    this.#map.set(key, value);
    this.#newest = key;
    this.#weight += w;
    while (this.#map.size > this.maxEntries || this.#weight > this.maxWeight) {
      const first = this.#map.entries().next();
      if (first.done === true) break;
      const [k, v] = first.value;
      if (k === this.#newest) this.#newest = undefined;
      this.#map.delete(k);
      this.#weight -= this.weigh(v);
      this.onEvict?.(k, v);
    }
  }

  delete(key: K): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    if (key === this.#newest) this.#newest = undefined;
    this.#map.delete(key);
    this.#weight -= this.weigh(old);
    this.onEvict?.(key, old);
  }

  clear(): void {
    const entries = [...this.#map];
    this.#map.clear();
    this.#newest = undefined;
    this.#weight = 0;
    for (const [k, v] of entries) this.onEvict?.(k, v);
  }
}

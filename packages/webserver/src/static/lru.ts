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
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
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
    this.#weight += w;
    while (this.#map.size > this.maxEntries || this.#weight > this.maxWeight) {
      const first = this.#map.entries().next();
      if (first.done === true) break;
      const [k, v] = first.value;
      this.#map.delete(k);
      this.#weight -= this.weigh(v);
      this.onEvict?.(k, v);
    }
  }

  delete(key: K): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#map.delete(key);
    this.#weight -= this.weigh(old);
    this.onEvict?.(key, old);
  }

  clear(): void {
    const entries = [...this.#map];
    this.#map.clear();
    this.#weight = 0;
    for (const [k, v] of entries) this.onEvict?.(k, v);
  }
}

/**
 * An in-memory session store: one process's Map, gone on restart. For tests, and for a single
 * development process; never for several workers (each would hold its own sessions).
 * @module
 */
import type { SessionData, SessionStore } from './store.js';
import { isSessionKey, newSessionKey } from './session-key.js';

interface Entry {
  /** Serialised, so a view changing an object after saving does not change the stored session. */
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * Sessions in this process's memory, expired on read and swept on write.
 *
 * @example
 * ```ts
 * const store = new MemorySessionStore();
 * defineSettings({ SESSION_ENGINE: store }); // or SESSION_ENGINE: 'memory'
 * store.size; // live sessions
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly synchronous = true;
  readonly #entries = new Map<string, Entry>();
  /** Injectable clock (ms) so expiry is testable without waiting. */
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Live sessions held. */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  load(key: string): SessionData | null {
    const entry = this.#live(key);
    return entry === undefined ? null : (JSON.parse(entry.json) as SessionData);
  }

  save(key: string | null, data: SessionData, ageSeconds: number): string | null {
    this.#sweep();
    if (key !== null && this.#live(key) === undefined) return null;
    const newKey = key ?? newSessionKey();
    this.#entries.set(newKey, { json: JSON.stringify(data), expiresAt: this.#now() + ageSeconds * 1000 });
    return newKey;
  }

  exists(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    if (!isSessionKey(key)) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

/**
 * The session a view reads and writes as `request.session` (Django's SessionBase): a small
 * JSON object with change tracking. Where it is kept between requests is the store's business
 * (SESSION_ENGINE: signed cookies by default, Redis, memory; see store.ts); SessionMiddleware
 * loads it from the key in the session cookie and saves it when it changed.
 * @module
 */

/**
 * Session data with change tracking (only changed sessions are re-sent).
 *
 * @example
 * ```ts
 * const visits = Number(request.session.get('visits') ?? 0) + 1;
 * request.session.set('visits', visits);
 * request.session.cycleKey(); // log in: same data, new key (no session fixation)
 * request.session.flush(); // log out: deletes the stored session and the cookie
 * ```
 */
export class Session {
  #data: Record<string, unknown>;
  #key: string | null;
  /** Keys to delete from the store when saving (after cycleKey or flush). */
  #retired: string[] = [];
  /** True when data changed (the middleware then sends a new cookie). */
  modified = false;
  /** True when the data was read or written (responses then vary on Cookie). */
  accessed = false;
  /** True when {@link flush} was called (the middleware then deletes the cookie). */
  flushed = false;
  #expiry: number | null = null;

  /**
   * `data` as stored (an `_expiry` entry is the per-session lifetime), under the store's `key`
   * (null for a session not stored yet).
   */
  constructor(data: Record<string, unknown> = {}, key: string | null = null) {
    const { _expiry: expiry, ...rest } = data;
    this.#data = rest;
    this.#key = key;
    if (typeof expiry === 'number') this.#expiry = expiry;
  }

  /** The key the cookie carries (null until saved, and after cycleKey/flush until saved again). */
  get sessionKey(): string | null {
    return this.#key;
  }

  /** Keys the store should delete (set by cycleKey and flush); the middleware empties it when saving. */
  takeRetiredKeys(): string[] {
    const keys = this.#retired;
    this.#retired = [];
    return keys;
  }

  /** Sets the key the store saved the session under (the middleware does, after saving). */
  storedAs(key: string): void {
    this.#key = key;
  }

  /** The value of `key`, or `fallback`. */
  get<T = unknown>(key: string, fallback?: T): T | undefined {
    this.accessed = true;
    return Object.prototype.hasOwnProperty.call(this.#data, key) ? (this.#data[key] as T) : fallback;
  }

  /** Sets `key` (a JSON-serialisable value). */
  set(key: string, value: unknown): void {
    this.accessed = true;
    this.modified = true;
    this.#data[key] = value;
  }

  has(key: string): boolean {
    this.accessed = true;
    return Object.prototype.hasOwnProperty.call(this.#data, key);
  }

  /** Removes `key`; returns its old value. */
  pop<T = unknown>(key: string, fallback?: T): T | undefined {
    this.accessed = true;
    if (!Object.prototype.hasOwnProperty.call(this.#data, key)) return fallback;
    const value = this.#data[key] as T;
    delete this.#data[key];
    this.modified = true;
    return value;
  }

  delete(key: string): void {
    this.pop(key);
  }

  keys(): string[] {
    this.accessed = true;
    return Object.keys(this.#data);
  }

  /** True when the session holds nothing. */
  get isEmpty(): boolean {
    return Object.keys(this.#data).length === 0;
  }

  /**
   * Log out: removes all data, deletes the stored session (a copy of the old cookie then finds
   * nothing) and the cookie. Data set afterwards (a "logged out" message) starts a new session.
   */
  flush(): void {
    this.#data = {};
    this.#retire();
    this.#expiry = null;
    this.accessed = true;
    this.modified = true;
    this.flushed = true;
  }

  /**
   * Log in: keeps the data under a new key and deletes the old one (Django's cycle_key), so a
   * key planted before login (session fixation) is worthless after it. With signed cookies the
   * data is re-signed.
   */
  cycleKey(): void {
    this.#retire();
    this.accessed = true;
    this.modified = true;
  }

  #retire(): void {
    if (this.#key !== null) this.#retired.push(this.#key);
    this.#key = null;
  }

  /**
   * Session lifetime in seconds for this session (overrides SESSION_COOKIE_AGE); 0 = until the
   * browser closes (stored for SESSION_COOKIE_AGE); null = back to SESSION_COOKIE_AGE.
   */
  setExpiry(seconds: number | null): void {
    if (seconds !== null && !(Number.isInteger(seconds) && seconds >= 0)) throw new TypeError(`setExpiry takes a non-negative integer of seconds or null, got ${seconds}`);
    this.#expiry = seconds;
    this.modified = true;
  }

  /** The lifetime set with {@link setExpiry}, or null. */
  getExpiry(): number | null {
    return this.#expiry;
  }

  /** Seconds this session lives when saved now: its own expiry, else `defaultAge` (SESSION_COOKIE_AGE). */
  getExpiryAge(defaultAge: number): number {
    return this.#expiry !== null && this.#expiry > 0 ? this.#expiry : defaultAge;
  }

  /** The data (for serialisation). */
  toJSON(): Record<string, unknown> {
    return this.#expiry === null ? this.#data : { ...this.#data, _expiry: this.#expiry };
  }
}

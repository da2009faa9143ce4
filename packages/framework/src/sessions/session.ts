/**
 * The session a view reads and writes as `request.session` (Django's SessionBase over the
 * signed-cookies backend): a small JSON object, signed with SECRET_KEY (HMAC-SHA256) and
 * kept in the client's cookie, so no server storage is needed. Signed, not encrypted: the
 * client can read it, cannot change it. Keep it under ~4 KB.
 * @module
 */

/**
 * Session data with change tracking (only changed sessions are re-sent).
 *
 * @example
 * ```ts
 * const visits = Number(request.session.get('visits') ?? 0) + 1;
 * request.session.set('visits', visits);
 * request.session.flush(); // log out: clears data and the cookie
 * ```
 */
export class Session {
  #data: Record<string, unknown>;
  /** True when data changed (the middleware then sends a new cookie). */
  modified = false;
  /** True when the data was read or written (responses then vary on Cookie). */
  accessed = false;
  /** True when {@link flush} was called (the middleware then deletes the cookie). */
  flushed = false;
  #expiry: number | null = null;

  constructor(data: Record<string, unknown> = {}) {
    this.#data = data;
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

  /** Removes all data and the cookie (log out). */
  flush(): void {
    this.#data = {};
    this.accessed = true;
    this.modified = true;
    this.flushed = true;
  }

  /** Keeps the data but re-signs it with a new timestamp (call after login: Django's cycle_key). */
  cycleKey(): void {
    this.modified = true;
  }

  /** Session lifetime in seconds for this session (overrides SESSION_COOKIE_AGE); 0 = browser session. */
  setExpiry(seconds: number | null): void {
    this.#expiry = seconds;
    this.modified = true;
  }

  /** The lifetime set with {@link setExpiry}, or null. */
  getExpiry(): number | null {
    return this.#expiry;
  }

  /** The data (for serialisation). */
  toJSON(): Record<string, unknown> {
    return this.#expiry === null ? this.#data : { ...this.#data, _expiry: this.#expiry };
  }
}

/**
 * The session store interface (Django's `SessionBase` backends): where a session's data lives
 * between requests, addressed by the key the session cookie carries. Three stores ship:
 * {@link SignedCookieSessionStore} (the data is the cookie, signed), {@link RedisSessionStore}
 * and {@link MemorySessionStore} (one process, for tests). `SESSION_ENGINE` picks one.
 * @module
 */
import type { MaybePromise } from '../core/settle.js';

/** A session's data as stored: JSON-serialisable values by key. */
export type SessionData = Record<string, unknown>;

/**
 * Where sessions live. Keys are opaque strings the cookie carries; data is stored for
 * `ageSeconds` and is never loaded after that (expired = missing).
 *
 * @example
 * ```ts
 * // A store over any key-value service with TTLs:
 * const store: SessionStore = {
 *   synchronous: false,
 *   load: async (key) => JSON.parse((await kv.get(`s:${key}`)) ?? 'null'),
 *   save: async (key, data, ageSeconds) => { const k = key ?? newSessionKey(); await kv.set(`s:${k}`, JSON.stringify(data), { ttl: ageSeconds }); return k; },
 *   exists: async (key) => (await kv.get(`s:${key}`)) !== null,
 *   delete: async (key) => { await kv.del(`s:${key}`); },
 * };
 * defineSettings({ SESSION_ENGINE: store });
 * ```
 */
export interface SessionStore {
  /**
   * True when {@link load} never returns a promise: the middleware then loads the session
   * lazily, on the view's first `request.session`. Otherwise a request carrying a session
   * cookie waits for the load before its view runs.
   */
  readonly synchronous: boolean;
  /** The data saved under `key`, or null when there is none (never saved, deleted, expired, or forged). */
  load(key: string): MaybePromise<SessionData | null>;
  /**
   * Saves `data` for `ageSeconds` under `key`, or under a new key when `key` is null; returns
   * the key the cookie should carry, or null when `key` no longer exists (deleted by a
   * concurrent logout or expired: the data is not written, so a logged-out session stays gone).
   */
  save(key: string | null, data: SessionData, ageSeconds: number): MaybePromise<string | null>;
  /** True when `key` holds a live session. */
  exists(key: string): MaybePromise<boolean>;
  /** Deletes the session under `key` (log out); no error when there is none. */
  delete(key: string): MaybePromise<void>;
  /** Releases connections (called by the application's shutdown). */
  close?(): Promise<void>;
}

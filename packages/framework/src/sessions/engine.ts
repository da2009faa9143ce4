/**
 * `SESSION_ENGINE` to a store (Django's `SESSION_ENGINE` import): one store per settings
 * object, built on first use and closed by the application's shutdown.
 * @module
 */
import type { ResolvedSettings } from '../conf/settings.js';
import { ImproperlyConfigured } from '../core/exceptions.js';
import type { SessionStore } from './store.js';
import { SignedCookieSessionStore } from './signed-cookie-store.js';
import { MemorySessionStore } from './memory-store.js';
import { RedisSessionStore } from './redis-store.js';

/** The built-in engines by name; a {@link SessionStore} object is a custom engine. */
export type SessionEngineName = 'signed_cookies' | 'redis' | 'memory';

const stores = new WeakMap<ResolvedSettings, SessionStore>();

/**
 * The session store `settings.SESSION_ENGINE` names (the same object for the same settings).
 *
 * @example
 * ```ts
 * const store = getSessionStore(settings);
 * await store.delete(key); // end a session from elsewhere (an admin "log out everywhere")
 * ```
 */
export function getSessionStore(settings: ResolvedSettings): SessionStore {
  let store = stores.get(settings);
  if (store === undefined) {
    store = makeStore(settings);
    stores.set(settings, store);
  }
  return store;
}

/**
 * Closes the store of `settings` if one was built (its connections); the next use builds a new one.
 *
 * @example
 * ```ts
 * after(() => closeSessionStore(settings));
 * ```
 */
export async function closeSessionStore(settings: ResolvedSettings): Promise<void> {
  const store = stores.get(settings);
  stores.delete(settings);
  await store?.close?.();
}

function makeStore(settings: ResolvedSettings): SessionStore {
  const engine = settings.SESSION_ENGINE;
  if (typeof engine === 'object') return engine;
  if (engine === 'signed_cookies') return new SignedCookieSessionStore(settings);
  if (engine === 'memory') return new MemorySessionStore();
  if (settings.SESSION_REDIS_URL === null) {
    throw new ImproperlyConfigured("SESSION_ENGINE 'redis' needs SESSION_REDIS_URL (e.g. 'redis://127.0.0.1:6379/0').", 'SESSION_REDIS_URL');
  }
  return new RedisSessionStore({ url: settings.SESSION_REDIS_URL });
}

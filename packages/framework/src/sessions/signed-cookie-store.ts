/**
 * The signed-cookies session store (Django's `signed_cookies` backend): the session's data IS
 * the cookie, as JSON signed with SECRET_KEY (HMAC-SHA256 with a timestamp, core/signing.ts).
 * No server storage; signed, not encrypted (the client can read it, cannot change it); keep it
 * under ~4 KB. Its limit: nothing server-side can end it, so a cookie copied before logout keeps
 * working until it expires; use a server-side store (Redis) where logout must end the session.
 * @module
 */
import { TimestampSigner, BadSignature } from '../core/signing.js';
import { SuspiciousSession } from '../core/exceptions.js';
import type { ResolvedSettings } from '../conf/settings.js';
import type { SessionData, SessionStore } from './store.js';

const SALT = 'tsgi-framework.contrib.sessions.backends.signed_cookies';

/**
 * Sessions kept in the client's cookie, signed.
 *
 * @example
 * ```ts
 * defineSettings({ SECRET_KEY: process.env.SECRET_KEY, SESSION_ENGINE: 'signed_cookies' }); // the default
 * ```
 */
export class SignedCookieSessionStore implements SessionStore {
  readonly synchronous = true;
  readonly #settings: ResolvedSettings;
  #signer: TimestampSigner | null = null;

  constructor(settings: ResolvedSettings) {
    this.#settings = settings;
  }

  // Built on first use so a project without SECRET_KEY fails with the setting's name, at startup (handler.ts).
  get #signerNow(): TimestampSigner {
    return (this.#signer ??= new TimestampSigner({ secret: this.#settings.SECRET_KEY, fallbacks: this.#settings.SECRET_KEY_FALLBACKS, salt: SALT }));
  }

  /** The data, or null when undecodable or older than its age; SuspiciousSession when the signature is wrong. */
  load(key: string): SessionData | null {
    let value: string;
    let timestamp: number;
    try {
      ({ value, timestamp } = this.#signerNow.unsignWithTimestamp(key));
    } catch (error) {
      if (error instanceof BadSignature) throw new SuspiciousSession(`Session data corrupted (${error.message})`);
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    } catch {
      return null; // signed by us yet undecodable: an old format; an empty session
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
    const expiry = (data as SessionData)._expiry;
    const age = typeof expiry === 'number' && expiry > 0 ? expiry : this.#settings.SESSION_COOKIE_AGE;
    if (Date.now() / 1000 - timestamp > age) return null;
    return data as SessionData;
  }

  /** The new cookie value: the data signed with the current time (a new "key" on every save). */
  save(_key: string | null, data: SessionData): string {
    return this.#signerNow.sign(Buffer.from(JSON.stringify(data)).toString('base64url'));
  }

  /** A signed cookie is its own storage: it exists when it verifies and has not expired. */
  exists(key: string): boolean {
    try {
      return this.load(key) !== null;
    } catch {
      return false;
    }
  }

  /** Nothing to delete server-side: the middleware deletes the cookie. */
  delete(): void {}
}

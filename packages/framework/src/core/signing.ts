/**
 * Signed values (Django's `django.core.signing`): `payload.timestamp.signature`, HMAC-SHA256
 * with a key derived from SECRET_KEY and a salt, so a value signed for sessions cannot be
 * replayed as something else. Old keys in SECRET_KEY_FALLBACKS still verify (key rotation).
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ImproperlyConfigured } from './exceptions.js';

/**
 * Why a signed value was refused.
 *
 * @example
 * ```ts
 * try { signer.unsign(token); } catch (e) { if (e instanceof BadSignature) return new HttpResponseBadRequest(); }
 * ```
 */
export class BadSignature extends Error {
  readonly code = 'TSGI_FW_BAD_SIGNATURE';
}

/**
 * The signature was valid but older than `maxAge`.
 *
 * @example
 * ```ts
 * signer.unsign(token, { maxAge: 3600 }); // throws SignatureExpired after an hour
 * ```
 */
export class SignatureExpired extends BadSignature {}

const derived = new Map<string, Buffer>();

/** Django's salted_hmac key derivation: sha256(salt + 'signer' + secret). Cached per pair. */
function deriveKey(secret: string, salt: string): Buffer {
  const id = `${salt}\u0000${secret}`;
  let key = derived.get(id);
  if (key === undefined) {
    key = createHash('sha256').update(`${salt}signer${secret}`).digest();
    if (derived.size < 64) derived.set(id, key);
  }
  return key;
}

function mac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/**
 * Signs strings with a timestamp.
 *
 * @example
 * ```ts
 * const signer = new TimestampSigner({ secret: settings.SECRET_KEY, salt: 'newsletter' });
 * const token = signer.sign('user@example.com');
 * signer.unsign(token, { maxAge: 86400 }); // 'user@example.com'
 * ```
 */
export class TimestampSigner {
  readonly #keys: Buffer[];
  readonly #signing: Buffer;

  constructor(options: { secret: string; fallbacks?: readonly string[]; salt: string }) {
    if (!options.secret) {
      throw new ImproperlyConfigured('The SECRET_KEY setting must not be empty (signed cookies and sessions need it).', 'SECRET_KEY');
    }
    this.#signing = deriveKey(options.secret, options.salt);
    this.#keys = [this.#signing, ...(options.fallbacks ?? []).map((k) => deriveKey(k, options.salt))];
  }

  /** `value.timestamp.signature` (the value may contain dots: the last two separate the rest). */
  sign(value: string): string {
    const signed = `${value}.${Math.floor(Date.now() / 1000).toString(36)}`;
    return `${signed}.${mac(this.#signing, signed)}`;
  }

  /** The value, if the signature holds (and is younger than `maxAge` seconds). Throws BadSignature. */
  unsign(token: string, options: { maxAge?: number } = {}): string {
    const { value, timestamp } = this.unsignWithTimestamp(token);
    if (options.maxAge !== undefined && Date.now() / 1000 - timestamp > options.maxAge) {
      throw new SignatureExpired('Signature expired');
    }
    return value;
  }

  /** The value and when it was signed (seconds since the epoch). Throws BadSignature. */
  unsignWithTimestamp(token: string): { value: string; timestamp: number } {
    const last = token.lastIndexOf('.');
    if (last === -1) throw new BadSignature('No signature found');
    const signed = token.slice(0, last);
    const signature = Buffer.from(token.slice(last + 1));
    let ok = false;
    for (const key of this.#keys) {
      const expected = Buffer.from(mac(key, signed));
      if (expected.length === signature.length && timingSafeEqual(expected, signature)) {
        ok = true;
        break;
      }
    }
    if (!ok) throw new BadSignature('Signature does not match');
    const dot = signed.lastIndexOf('.');
    if (dot === -1) throw new BadSignature('No timestamp found');
    const timestamp = parseInt(signed.slice(dot + 1), 36);
    if (!Number.isFinite(timestamp)) throw new BadSignature('Malformed timestamp');
    return { value: signed.slice(0, dot), timestamp };
  }

  /**
   * Signs a JSON-serialisable object (base64url JSON).
   *
   * @example
   * ```ts
   * signer.unsignObject(signer.signObject({ cart: [1, 2] })); // { cart: [1, 2] }
   * ```
   */
  signObject(value: unknown): string {
    return this.sign(Buffer.from(JSON.stringify(value)).toString('base64url'));
  }

  /** Verifies and decodes {@link signObject}'s output. */
  unsignObject<T = unknown>(token: string, options: { maxAge?: number } = {}): T {
    const payload = this.unsign(token, options);
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
    } catch {
      throw new BadSignature('Payload is not valid JSON');
    }
  }
}

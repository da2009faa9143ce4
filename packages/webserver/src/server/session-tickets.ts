/**
 * TLS session tickets shared by every worker (RFC 8446 4.6.1, RFC 5077): a client that comes back
 * presents its ticket and skips the certificate and the signature, on whichever worker accepts it.
 *
 * Tickets, not a shared session cache: a ticket carries its session, so no handshake waits on a
 * lookup in another process, and TLS 1.3 resumes with tickets anyway.
 *
 * The keys come from the master ({@link TicketKeyRotation}: made at start, replaced every
 * `ssl_session_timeout`, sent to the workers over IPC) or from `ssl_session_ticket_key` files. A
 * worker holds them in a {@link TicketKeyRing}: the first key encrypts new tickets, the others
 * still decrypt, so a rotation does not send every returning client back to a full handshake.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { SecureContext, Server as TlsServer } from 'node:tls';

/** A ticket key: name (16 bytes), HMAC-SHA256 secret (16), AES-128-CBC key (16); node's and nginx's layout. */
export const TICKET_KEY_BYTES = 48;

const PART = 16;

/**
 * The native context under node's SecureContext. `enableTicketKeyCallback` installs OpenSSL's
 * ticket key callback (SSL_CTX_set_tlsext_ticket_key_cb), which calls `onticketkeycallback`; it is
 * not in node's docs (node's own test-https-resume-after-renew uses it), and the documented
 * `setTicketKeys` takes one key only, so a rotation would make every outstanding ticket useless.
 * Where the callback is missing the ring falls back to that one key.
 */
interface NativeContext {
  setTicketKeys(keys: Buffer): void;
  enableTicketKeyCallback?: () => void;
  onticketkeycallback?: (name: Buffer, iv: Buffer, encrypt: boolean) => unknown[];
}

/** OpenSSL's answers to the ticket key callback (1 would be "decrypted, keep it"; see the callback). */
const NOT_FOUND = 0;
const OK = 1;
const OK_RENEW = 2;
const ZERO = Buffer.alloc(PART);

/**
 * The ticket keys of one worker, installed on its TLS contexts; {@link set} replaces them on all
 * of them at once.
 * @example
 * ```ts
 * const ring = new TicketKeyRing([randomBytes(48)]);
 * ring.attach(server);          // a tls.Server (its default context)
 * ring.attach(sniContext);      // each SecureContext SNI may switch to
 * ring.set([newKey, oldKey]);   // rotation: new tickets under newKey, oldKey still decrypts
 * ```
 */
export class TicketKeyRing {
  #keys: readonly Buffer[];
  readonly #fallback: NativeContext[] = [];

  constructor(keys: readonly Buffer[]) {
    this.#keys = checkKeys(keys);
  }

  /** The keys, the encrypting one first. */
  get keys(): readonly Buffer[] {
    return this.#keys;
  }

  /** Replaces the keys (the first encrypts); takes effect at the next handshake. */
  set(keys: readonly Buffer[]): void {
    this.#keys = checkKeys(keys);
    for (const native of this.#fallback) native.setTicketKeys(this.#keys[0]!);
  }

  /** Installs the ring on a server's own context or on a SecureContext. */
  attach(target: TlsServer | SecureContext): void {
    const native = nativeOf(target);
    if (typeof native.enableTicketKeyCallback !== 'function') {
      native.setTicketKeys(this.#keys[0]!);
      this.#fallback.push(native);
      return;
    }
    native.onticketkeycallback = this.#callback;
    native.enableTicketKeyCallback();
  }

  /** OpenSSL asks for the key to encrypt a new ticket, or for the key a presented ticket names. */
  readonly #callback = (name: Buffer, _iv: Buffer, encrypt: boolean): unknown[] => {
    if (encrypt) {
      const key = this.#keys[0]!;
      return [OK, key.subarray(PART, 2 * PART), key.subarray(2 * PART), key.subarray(0, PART), randomBytes(PART)];
    }
    const i = this.#keys.findIndex((k) => k.subarray(0, PART).equals(name));
    if (i < 0) return [NOT_FOUND, ZERO, ZERO];
    const key = this.#keys[i]!;
    // Always "renew": OpenSSL then sends a new ticket (under the current key) after every
    // resumption. With "keep" a TLS 1.3 resumption gets none (node's own keys behave so too), and
    // clients that use a ticket once (BoringSSL, so Chrome; RFC 8446 C.4) would do a full
    // handshake every other visit.
    return [OK_RENEW, key.subarray(PART, 2 * PART), key.subarray(2 * PART)];
  };
}

function nativeOf(target: TlsServer | SecureContext): NativeContext {
  // A tls.Server keeps its default context (the one OpenSSL decrypts tickets with) in _sharedCreds.
  const ctx = '_sharedCreds' in target ? (target as unknown as { _sharedCreds: SecureContext })._sharedCreds : (target as SecureContext);
  return (ctx as unknown as { context: NativeContext }).context;
}

function checkKeys(keys: readonly Buffer[]): readonly Buffer[] {
  if (keys.length === 0) throw new Error('a ticket key ring needs at least one key');
  for (const k of keys) {
    if (k.length !== TICKET_KEY_BYTES) throw new Error(`a ticket key is ${TICKET_KEY_BYTES} bytes, got ${k.length}`);
  }
  return [...keys];
}

/**
 * Makes the ticket keys and replaces them every `periodMs` (the session timeout), keeping the
 * previous one: a ticket stays decryptable for at least one period after it was issued, and no
 * key outlives two periods. The master runs one and sends each change to its workers; a server
 * without a master runs its own.
 *
 * The next key travels one period ahead of its use, as a decrypt-only key: the workers take a
 * rotation at slightly different moments (one IPC message each), and a worker that has already
 * switched issues tickets under a key the others can read. Without it, a client that got its
 * ticket from the first worker and came back to the second in that gap did a full handshake (CI
 * caught it, one handshake in ~1,800).
 * @example
 * ```ts
 * const rotation = new TicketKeyRotation(3_600_000, (keys) => broadcast(keys));
 * rotation.keys; // [current, next] at first, [current, next, previous] after a rotation
 * rotation.stop();
 * ```
 */
export class TicketKeyRotation {
  #current = randomBytes(TICKET_KEY_BYTES);
  #next = randomBytes(TICKET_KEY_BYTES);
  #previous: Buffer | undefined;
  #periodMs: number;
  readonly #onRotate: (keys: readonly Buffer[]) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(periodMs: number, onRotate: (keys: readonly Buffer[]) => void) {
    this.#periodMs = periodMs;
    this.#onRotate = onRotate;
    this.#schedule();
  }

  /** The current key first (it encrypts), then the next and, after the first rotation, the previous (they decrypt). */
  get keys(): readonly Buffer[] {
    return this.#previous === undefined ? [this.#current, this.#next] : [this.#current, this.#next, this.#previous];
  }

  /** A new period (after a reload); the keys stay. */
  setPeriod(periodMs: number): void {
    if (periodMs === this.#periodMs) return;
    this.#periodMs = periodMs;
    this.#schedule();
  }

  /** Promotes the next key to current now, keeping the old current for decryption and making a new next. */
  rotate(): void {
    this.#previous = this.#current;
    this.#current = this.#next;
    this.#next = randomBytes(TICKET_KEY_BYTES);
    this.#onRotate(this.keys);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.rotate(), this.#periodMs);
    this.#timer.unref();
  }
}

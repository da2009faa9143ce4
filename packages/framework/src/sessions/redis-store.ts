/**
 * The Redis session store (Django's cache backend over Redis): each session is one Redis string
 * `<prefix><key>` holding its JSON, with a TTL of the session's age, so Redis itself forgets
 * expired sessions. Deleting the key (`session.flush()`) ends the session for every copy of
 * the cookie. The client is node-redis (`redis` v5, Redis Inc.'s maintained client).
 * @module
 */
import type { createClient } from 'redis';
import type { SessionData, SessionStore } from './store.js';
import { isSessionKey, newSessionKey } from './session-key.js';

type Client = ReturnType<typeof createClient>;

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prepended to session keys. Default `tsgi:session:`. */
  prefix?: string;
  /** Milliseconds to wait for a connection before a request fails. Default 5000. */
  connectTimeoutMs?: number;
}

/**
 * Sessions in Redis, with TTLs. Connects on first use; while Redis is unreachable, requests
 * using the session fail (500) at once instead of queueing.
 *
 * @example
 * ```ts
 * defineSettings({ SESSION_ENGINE: 'redis', SESSION_REDIS_URL: process.env.TSGI_REDIS_URL });
 * // or, for options:
 * defineSettings({ SESSION_ENGINE: new RedisSessionStore({ url: 'redis://127.0.0.1:6379/1', prefix: 'mysite:s:' }) });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  readonly synchronous = false;
  readonly #prefix: string;
  readonly #options: RedisSessionStoreOptions;
  /** Made on first use: `redis` is imported only by projects that keep sessions in Redis. */
  #client: Client | null = null;
  #making: Promise<Client> | null = null;
  #connecting: Promise<unknown> | null = null;
  /** The last connection error, kept so a failing request can say why. */
  #lastError: Error | null = null;
  /** Reconnect only a connection that once worked; a first connection that fails fails the request. */
  #everReady = false;

  constructor(options: RedisSessionStoreOptions) {
    this.#prefix = options.prefix ?? 'tsgi:session:';
    this.#options = options;
  }

  async #makeClient(): Promise<Client> {
    const options = this.#options;
    const { createClient } = await import('redis');
    const client = createClient({
      url: options.url,
      // Without this, commands wait (unbounded) in a queue while Redis is down; fail fast instead.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 5000,
        // node-redis retries a first connection forever by default: the request would hang.
        // Later drops are retried with a capped backoff while requests fail fast (above).
        reconnectStrategy: (retries: number, cause: Error) => (this.#everReady ? Math.min(50 * 2 ** Math.min(retries, 6), 3000) : cause),
      },
    });
    client.on('ready', () => {
      this.#everReady = true;
    });
    // node-redis emits 'error' on every failed reconnect; unhandled, it would end the process.
    client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    return client;
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isSessionKey(key)) return null;
    const json = await (await this.#ready()).get(this.#prefix + key);
    if (json === null) return null;
    const data: unknown = JSON.parse(json);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as SessionData) : null;
  }

  async save(key: string | null, data: SessionData, ageSeconds: number): Promise<string | null> {
    const client = await this.#ready();
    const json = JSON.stringify(data);
    // An age of 0 would be an error for EX; a session that lives 0 s is gone at once anyway.
    const ttl = Math.max(1, Math.ceil(ageSeconds));
    if (key !== null) {
      // XX: only while it still exists, so a concurrent logout (or expiry) is not undone.
      const done = isSessionKey(key) ? await client.set(this.#prefix + key, json, { expiration: { type: 'EX', value: ttl }, condition: 'XX' }) : null;
      return done === null ? null : key;
    }
    const newKey = newSessionKey();
    // NX: never overwrite another session (a 165-bit collision; refused rather than shared).
    const done = await client.set(this.#prefix + newKey, json, { expiration: { type: 'EX', value: ttl }, condition: 'NX' });
    if (done === null) throw new Error('RedisSessionStore: a new session key already exists in Redis');
    return newKey;
  }

  async exists(key: string): Promise<boolean> {
    if (!isSessionKey(key)) return false;
    return (await (await this.#ready()).exists(this.#prefix + key)) === 1;
  }

  async delete(key: string): Promise<void> {
    if (!isSessionKey(key)) return;
    await (await this.#ready()).del(this.#prefix + key);
  }

  /** Seconds `key` has left (Redis TTL), or null when there is no such session. */
  async ttl(key: string): Promise<number | null> {
    if (!isSessionKey(key)) return null;
    const seconds = await (await this.#ready()).ttl(this.#prefix + key);
    return seconds < 0 ? null : seconds;
  }

  /** Closes the connection (the application's shutdown calls it). */
  async close(): Promise<void> {
    if (this.#connecting === null) return;
    await this.#connecting.catch(() => undefined);
    if (this.#client?.isOpen) await this.#client.close();
    this.#connecting = null;
  }

  async #ready(): Promise<Client> {
    if (this.#client?.isReady) return this.#client;
    // One client even when the first requests arrive together: the promise is shared.
    this.#making ??= this.#makeClient();
    const client = (this.#client = await this.#making);
    this.#connecting ??= client.connect();
    try {
      await this.#connecting;
    } catch (error) {
      this.#connecting = null;
      throw new Error(`RedisSessionStore: cannot connect to Redis (${(error as Error).message})`, { cause: error });
    }
    if (!client.isReady) {
      throw new Error(`RedisSessionStore: Redis is not reachable (${this.#lastError?.message ?? 'reconnecting'})`);
    }
    return client;
  }
}

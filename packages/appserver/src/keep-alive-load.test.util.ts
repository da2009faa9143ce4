/**
 * Test support: bounded keep-alive load on loopback with exact counts (N undici Clients, each
 * one keep-alive connection carrying one request at a time), as wrk would give it but with
 * every failure named, and per connection: loop i is connection i, so a test can tell which
 * worker each connection was on. Used by the operations tests.
 * @module
 */
import { Client } from 'undici';

/** What a load run saw. */
export interface LoadCounts {
  /** Responses with status 200. */
  ok: number;
  /** Requests that got no response (connection reset or closed under them) or a non-200. */
  failed: number;
  /** Failures that were a connection reset (ECONNRESET) or a close with the request in flight. */
  resets: number;
  /** Failures by error code or status, e.g. `{ ECONNRESET: 2, '502': 1 }`. */
  failures: Record<string, number>;
  /** How many responses had each body (the app says its version or pid in it). */
  bodies: Map<string, number>;
  /** The last body seen. */
  last: string | undefined;
  /** The last body each loop (connection) saw. */
  lastByLoop: Array<string | undefined>;
  /** The failure codes each loop saw, in order. */
  failuresByLoop: string[][];
}

/** A running load; {@link KeepAliveLoad.stop} ends it and gives the counts. */
export interface KeepAliveLoad {
  /** The counts so far (live). */
  readonly counts: LoadCounts;
  /** Resolves once `test(counts)` holds (polls every 20 ms; rejects after `timeoutMs`). */
  until(test: (c: LoadCounts) => boolean, timeoutMs?: number): Promise<void>;
  /** Lets the requests in flight finish, closes the pool and returns the counts. */
  stop(): Promise<LoadCounts>;
}

/** Options of {@link keepAliveLoad}. */
export interface LoadOptions {
  readonly connections?: number;
  readonly path?: string;
  readonly method?: string;
  readonly body?: string;
}

const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * Starts `connections` loops, each sending one request after another on a shared keep-alive
 * pool of that many connections, until stopped.
 *
 * @example
 * ```ts
 * const load = keepAliveLoad(server.url, { connections: 20 });
 * await load.until((c) => c.ok > 100);
 * const counts = await load.stop();
 * assert.equal(counts.failed, 0);
 * ```
 */
export function keepAliveLoad(url: string, options: LoadOptions = {}): KeepAliveLoad {
  const connections = options.connections ?? 20;
  // A request that gets no answer fails after 20 s instead of undici's 300 s: a test never hangs.
  const clients = Array.from({ length: connections }, () => new Client(url, { pipelining: 1, headersTimeout: 20_000, bodyTimeout: 20_000 }));
  const counts: LoadCounts = { ok: 0, failed: 0, resets: 0, failures: {}, bodies: new Map(), last: undefined, lastByLoop: clients.map(() => undefined), failuresByLoop: clients.map(() => []) };
  let running = true;
  const fail = (loop: number, code: string) => {
    counts.failed++;
    if (RESET_CODES.has(code)) counts.resets++;
    counts.failures[code] = (counts.failures[code] ?? 0) + 1;
    counts.failuresByLoop[loop]!.push(code);
  };
  const loop = async (i: number) => {
    while (running) {
      try {
        const res = await clients[i]!.request({ path: options.path ?? '/', method: (options.method ?? 'GET') as 'GET', body: options.body });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          fail(i, String(res.statusCode));
          continue;
        }
        counts.ok++;
        counts.bodies.set(text, (counts.bodies.get(text) ?? 0) + 1);
        counts.last = text;
        counts.lastByLoop[i] = text;
      } catch (err) {
        fail(i, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
        // A refused or reset connection is retried by the next iteration; do not spin.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const loops = Array.from({ length: connections }, (_, i) => loop(i));
  return {
    counts,
    async until(test, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!test(counts)) {
        if (Date.now() > deadline) throw new Error(`load: condition not met within ${timeoutMs} ms; counts ${JSON.stringify({ ...counts, bodies: [...counts.bodies] })}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close()));
      return counts;
    },
  };
}

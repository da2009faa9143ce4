/**
 * A bounded HTTP client that runs inside a network namespace (`ip netns exec NS node load-client.ts
 * BASE_URL`), driven by the test over stdin and stdout, one JSON object a line. A test cannot reach
 * a namespace's addresses from its own, so its requests go through this process.
 *
 * Commands (each answered once, with its `id`):
 * - `{ id, op: "request", method, path, body?, headers? }` → `{ id, status, ms, body }` or `{ id, error, ms }`
 * - `{ id, op: "load", path, count, concurrency, maxMs, keys? }`: `count` GETs (`{i}` in `path` becomes
 *   the request's number, `{key}` that number modulo `keys`), `concurrency` at a time, stopped at
 *   `maxMs` → `{ id, sent, statuses, errors, slowestMs }`
 * - `{ id, op: "stop", load }`: ends load `load` early (it answers with what it did) → `{ id }`
 *
 * Every request has a 30 s bound (headers and body), far above the proxy's timeouts under test.
 * @module
 */
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';

interface RequestCommand { id: number; op: 'request'; method: string; path: string; body?: string; headers?: Record<string, string> }
interface LoadCommand { id: number; op: 'load'; path: string; count: number; concurrency: number; maxMs: number; keys?: number }
interface StopCommand { id: number; op: 'stop'; load: number }
type Command = RequestCommand | LoadCommand | StopCommand;

const REQUEST_TIMEOUT_MS = 30_000;
const base = process.argv[2];
if (!base) throw new Error('usage: load-client.ts BASE_URL');
const agent = new Agent({ connections: 64, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
/** Loads under way, by id: setting the flag ends them. */
const stopping = new Map<number, { stop: boolean }>();

function reply(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function one(c: RequestCommand): Promise<void> {
  const start = Date.now();
  try {
    const res = await request(new URL(c.path, base), { method: c.method as 'GET', body: c.body, headers: c.headers, dispatcher: agent });
    const body = await res.body.text();
    reply({ id: c.id, status: res.statusCode, ms: Date.now() - start, body });
  } catch (error) {
    reply({ id: c.id, error: String((error as Error).message), ms: Date.now() - start });
  }
}

async function load(c: LoadCommand): Promise<void> {
  const flag = { stop: false };
  stopping.set(c.id, flag);
  const deadline = Date.now() + c.maxMs;
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  let next = 0;
  let slowestMs = 0;
  const worker = async (): Promise<void> => {
    while (next < c.count && !flag.stop && Date.now() < deadline) {
      const i = next++;
      const start = Date.now();
      try {
        const path = c.path.replaceAll('{i}', String(i)).replaceAll('{key}', String(i % (c.keys ?? 1)));
        const res = await request(new URL(path, base), { dispatcher: agent });
        await res.body.dump({ limit: 1 << 20 });
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      } catch (error) {
        errors.push(`#${i}: ${(error as Error).message}`);
      }
      slowestMs = Math.max(slowestMs, Date.now() - start);
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, worker));
  stopping.delete(c.id);
  reply({ id: c.id, sent: next, statuses, errors, slowestMs });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  if (c.op === 'request') void one(c);
  else if (c.op === 'load') void load(c);
  else {
    const flag = stopping.get(c.load);
    if (flag) flag.stop = true;
    reply({ id: c.id });
  }
}).on('close', () => void agent.close());
reply({ ready: true });

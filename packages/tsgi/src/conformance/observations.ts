/**
 * Cross-request observations: the probe app writes small JSON files into `$TSGI_PROBE_DIR` (so
 * they work whatever worker process served the request), and the kit waits for them.
 * @module
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE_DIR_ENV } from './harness.js';

const SAFE_NAME = /^[A-Za-z0-9_.-]{1,120}$/;

/** Writes `{dir}/{name}.json` atomically (write then rename); a no-op without a probe dir or with an unsafe name. */
export function observe(name: string, value: unknown): void {
  const dir = process.env[PROBE_DIR_ENV];
  if (dir === undefined || dir === '' || !SAFE_NAME.test(name)) return;
  try {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.json`);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, path);
  } catch {
    // An observation that cannot be written makes the kit's wait time out with a clear message.
  }
}

/** Reads `{dir}/{name}.json`, or undefined when absent. */
export function readObservation(dir: string, name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Calls `check` every 25 ms until it returns something other than undefined, for at most `timeoutMs`; undefined when nothing came. */
export async function poll<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls for `{dir}/{name}.json` for at most `timeoutMs`; undefined when it never came. */
export function waitForObservation(dir: string, name: string, timeoutMs = 10_000): Promise<unknown> {
  return poll(() => readObservation(dir, name), timeoutMs);
}

/**
 * Waiting in tests without a fixed sleep: poll a condition with a deadline (`waitFor`), assert
 * that something does not happen (`assertStaysQuiet`, the one bounded fixed wait, named so), and
 * pace a deliberately slow peer (`slowPeerPause`).
 * @module
 */
import { AssertionError } from 'node:assert';

/** How long to wait and what for (the name goes into the error). */
export interface WaitOptions {
  /** Give up after this long. Default 10 s: generous, because the machine may be busy. */
  readonly timeoutMs?: number;
  /** What is awaited, for the error message; a function is called at the deadline, so it can show the state reached. */
  readonly what?: string | (() => string);
  /** Between checks. Default 10 ms: checks are cheap, and waiting longer only slows the test. */
  readonly intervalMs?: number;
}

type Falsy = undefined | null | false;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nameOf = (what: string | (() => string) | undefined): string => (typeof what === 'function' ? what() : (what ?? 'a condition'));

/**
 * Polls `check` until it returns something other than `undefined`, `null` or `false`, and returns
 * that; throws when `timeoutMs` passes first. Errors thrown by `check` end the wait.
 *
 * @example
 * ```ts
 * const line = await waitFor(() => log().split('\n').find((l) => l.includes('/missing')), { what: 'the access log line' });
 * ```
 */
export async function waitFor<T>(check: () => T | Falsy | Promise<T | Falsy>, options: WaitOptions = {}): Promise<Exclude<T, Falsy>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, Falsy>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${nameOf(options.what)}`);
    await pause(options.intervalMs ?? 10);
  }
}

/**
 * Asserts a negative: `happened()` stays false for `ms`. Nothing announces that something did not
 * happen, so this is the one fixed wait a test may make; it is bounded, named, and fails as soon
 * as `happened()` turns true rather than at the end. Choose `ms` well above the time the unwanted
 * thing would take if it were going to happen.
 *
 * @example
 * ```ts
 * await assertStaysQuiet(200, () => upstream.open() < 4, 'the cache closing a connection below its capacity');
 * ```
 */
export async function assertStaysQuiet(ms: number, happened: () => boolean | Promise<boolean>, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await happened()) throw new AssertionError({ message: `expected no ${nameOf(what)} within ${ms} ms, but it happened` });
    if (Date.now() >= deadline) return;
    await pause(Math.min(10, Math.max(1, deadline - Date.now())));
  }
}

/**
 * The pace of a deliberately slow peer: a client dribbling bytes, an app or upstream that answers
 * late. The delay is the input the test feeds the server, not a wait for an outcome, so no event
 * can take its place.
 *
 * @example
 * ```ts
 * for (const byte of body) { socket.write(byte); await slowPeerPause(50); }
 * ```
 */
export function slowPeerPause(ms: number): Promise<void> {
  return pause(ms);
}

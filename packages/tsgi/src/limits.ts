/**
 * The limits a server enforces before the app runs, with safe defaults.
 * @module
 */
import { DEFAULT_HEAD_LIMITS } from 'tsgi-head-gate';
import type { TsgiLimits } from './types.js';

/**
 * The default limits of `serve()` and `toNodeListener()`. Values follow Gunicorn and nginx
 * (request line 8190 bytes, 100 header fields of 8190 bytes each) and node:http (60 s to
 * receive headers, 5 s keep-alive). The body limit is generous because bodies are streamed,
 * never buffered by the server; a framework that buffers applies its own, smaller limit.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, serve } from 'tsgi';
 * await serve(app, { limits: { ...DEFAULT_LIMITS, maxBodyBytes: 10 * 1024 * 1024 } });
 * ```
 */
export const DEFAULT_LIMITS: TsgiLimits = Object.freeze({
  ...DEFAULT_HEAD_LIMITS,
  maxBodyBytes: 100 * 1024 * 1024,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
});

/**
 * Merges partial limits over {@link DEFAULT_LIMITS}, rejecting values that are not
 * non-negative finite numbers (0 means "no limit").
 *
 * @example
 * ```ts
 * const limits = resolveLimits({ maxBodyBytes: 1024 });
 * ```
 */
export function resolveLimits(partial: Partial<TsgiLimits> | undefined): TsgiLimits {
  if (partial === undefined) return DEFAULT_LIMITS;
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in DEFAULT_LIMITS)) {
      throw new TypeError(`tsgi: unknown limit "${key}"; known limits: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`tsgi: limit "${key}" must be a non-negative number (0 = no limit), got ${String(value)}`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as TsgiLimits;
}

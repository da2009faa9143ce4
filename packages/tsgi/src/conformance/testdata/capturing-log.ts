/**
 * A logger for conformance harnesses: keeps error-level entries (for the kit's S-ERR-LOG) and
 * drops the rest (the probe misbehaves on purpose).
 * @module
 */
import type { TsgiLogger } from '../../types.js';

/** A logger that keeps error-level entries in `into` (message and details joined) and drops the rest. */
export function capturingLog(into: string[]): TsgiLogger {
  const ignore = () => undefined;
  const keep = (message: string, ...details: unknown[]) => {
    into.push([message, ...details.map((d) => (d instanceof Error ? (d.stack ?? String(d)) : String(d)))].join('\n'));
  };
  return { debug: ignore, info: ignore, warn: ignore, error: keep };
}

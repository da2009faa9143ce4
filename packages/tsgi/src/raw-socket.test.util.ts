/**
 * Test helpers for this package: a recording logger, the port of a server URL, and status lines of
 * a raw response (raw TCP exchanges themselves come from tsgi-test-support). Not part of the
 * package API.
 * @module
 */
import type { TsgiLogger } from './types.js';

/** A logger that records lines so tests can assert what was logged (and keep stderr quiet). */
export function recordingLogger(): TsgiLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec =
    (level: string) =>
    (message: string, ...details: unknown[]) => {
      lines.push(`${level}: ${message} ${details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : String(d))).join(' ')}`);
    };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

/** The port of a server URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Splits a raw HTTP/1.1 response stream into status lines (for pipelining order checks). */
export function statusLines(raw: string): string[] {
  return raw.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? [];
}

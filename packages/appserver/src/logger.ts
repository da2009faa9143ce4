/**
 * The error log (Gunicorn's glogging): `[time] [pid] [LEVEL] message` lines to stderr or a
 * file, filtered by `--log-level`. It is also what apps write to through `context.log`.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatWithOptions } from 'node:util';
import type { TsgiLogger } from 'tsgi';

/** The levels of `--log-level`, least severe first. */
export const LOG_LEVELS = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 } as const;

/** A `--log-level` value. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** The server's logger: a TsgiLogger plus `critical`, and a way to flush on exit. */
export interface ServerLogger extends TsgiLogger {
  critical(message: string, ...details: unknown[]): void;
  /** True when `level` would be written (to skip building costly messages). */
  enabled(level: LogLevelName): boolean;
  /** Flushes and closes a log file (no-op for stderr). */
  close(): Promise<void>;
  /** Reopens a log file (after logrotate moved it: SIGUSR1); no-op for stderr. */
  reopen(): void;
}

function timestamp(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Opens `-` (stdout or stderr, as `dash` says) or a file in append mode. */
export function openLogStream(target: string, dash: 'stdout' | 'stderr'): NodeJS.WritableStream & { close?: WriteStream['close'] } {
  if (target === '-') return dash === 'stdout' ? process.stdout : process.stderr;
  return createWriteStream(target, { flags: 'a' });
}

/**
 * Creates the error log.
 *
 * @example
 * ```ts
 * const log = createServerLogger('-', 'info');
 * log.info('Listening at: %s', 'http://127.0.0.1:8000');
 * ```
 */
export function createServerLogger(target: string, level: LogLevelName): ServerLogger {
  let stream = openLogStream(target, 'stderr');
  const min = LOG_LEVELS[level];
  const write = (name: LogLevelName, message: string, details: unknown[]) => {
    if (LOG_LEVELS[name] < min) return;
    const text = formatWithOptions({ colors: false, depth: 4 }, message, ...details);
    stream.write(`[${timestamp()}] [${process.pid}] [${name.toUpperCase()}] ${text}\n`);
  };
  return {
    debug: (m, ...d) => write('debug', m, d),
    info: (m, ...d) => write('info', m, d),
    warn: (m, ...d) => write('warning', m, d),
    error: (m, ...d) => write('error', m, d),
    critical: (m, ...d) => write('critical', m, d),
    enabled: (name) => LOG_LEVELS[name] >= min,
    reopen: () => {
      if (target === '-') return;
      const old = stream as WriteStream;
      stream = openLogStream(target, 'stderr');
      old.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (stream === process.stderr || stream === process.stdout) resolve();
        else (stream as WriteStream).end(() => resolve());
      }),
  };
}

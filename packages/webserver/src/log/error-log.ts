/**
 * The error log, in nginx's shape: `2026/11/26 00:41:57 [error] 1234#0: message, key: value`.
 * @module
 */
import type { LogLevel } from '../config/types.js';
import { LogSink } from './log-sink.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4, crit: 5 };

/**
 * Leveled error log.
 * @example
 * ```ts
 * const log = new ErrorLog('stderr', 'notice');
 * log.log('warn', 'upstream timed out', { upstream: '127.0.0.1:8000' });
 * ```
 */
export class ErrorLog {
  readonly sink: LogSink;
  readonly #min: number;
  readonly #worker: number;

  constructor(target: string, level: LogLevel, worker = 0) {
    this.sink = new LogSink(target);
    this.#min = RANK[level];
    this.#worker = worker;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#min;
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < this.#min) return;
    let line = `${formatErrorTime(new Date())} [${level}] ${process.pid}#${this.#worker}: ${message}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v !== undefined) line += `, ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`;
      }
    }
    this.sink.write(line);
  }
}

function formatErrorTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

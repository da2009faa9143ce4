/**
 * The access log: nginx's `combined` format
 * (`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`),
 * `combined_id` (the same, then ` "$request_id"`, as ingress-nginx appends its request id), or
 * one JSON object per line. The request id is that of a proxied request (the proxy keeps a
 * trusted peer's `X-Request-Id`, else makes one, and sends it upstream); `-` (JSON: absent) for a
 * request the server answered itself.
 * @module
 */
import { LogSink } from './log-sink.js';

/** The `access_log_format` values. */
export type AccessLogFormat = 'combined' | 'combined_id' | 'json';

/** What one logged request carries. */
export interface AccessEntry {
  readonly remoteAddr: string;
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly status: number;
  readonly bodyBytes: number;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
  readonly host: string | undefined;
  readonly startedAt: number;
  readonly requestTimeMs: number;
  readonly upstreamAddr?: string | undefined;
  readonly upstreamStatus?: number | undefined;
  readonly requestId?: string | undefined;
  /** Set for requests refused before they were parsed (400, 408, 414, 431): logged as `"-"`, as nginx does. */
  readonly unparsed?: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Access log writer.
 * @example
 * ```ts
 * const log = new AccessLog('/var/log/tsgi/access.log', 'combined');
 * log.write(entry);
 * process.on('SIGUSR1', () => log.sink.reopen());
 * ```
 */
export class AccessLog {
  readonly sink: LogSink;
  readonly #format: AccessLogFormat;
  #lastSecond = -1;
  #timeLocal = '';

  constructor(target: string, format: AccessLogFormat) {
    this.sink = new LogSink(target);
    this.#format = format;
  }

  get enabled(): boolean {
    return this.sink.enabled;
  }

  write(e: AccessEntry): void {
    const format = this.#format;
    this.sink.write(format === 'combined' ? this.combined(e) : format === 'json' ? this.json(e) : `${this.combined(e)} "${escape(e.requestId ?? '-')}"`);
  }

  combined(e: AccessEntry): string {
    const request = e.unparsed ? '-' : escape(`${e.method} ${e.url} HTTP/${e.httpVersion}`);
    return `${e.remoteAddr} - - [${this.#time(e.startedAt)}] "${request}" ${e.status} ${e.bodyBytes} "${escape(e.referer ?? '-')}" "${escape(e.userAgent ?? '-')}"`;
  }

  json(e: AccessEntry): string {
    return JSON.stringify({
      time: new Date(e.startedAt).toISOString(),
      remote_addr: e.remoteAddr,
      method: e.unparsed ? null : e.method,
      uri: e.unparsed ? null : e.url,
      protocol: e.unparsed ? null : `HTTP/${e.httpVersion}`,
      status: e.status,
      body_bytes_sent: e.bodyBytes,
      request_time: e.requestTimeMs / 1000,
      host: e.host ?? null,
      referer: e.referer ?? null,
      user_agent: e.userAgent ?? null,
      ...(e.upstreamAddr ? { upstream_addr: e.upstreamAddr, upstream_status: e.upstreamStatus ?? null } : {}),
      ...(e.requestId ? { request_id: e.requestId } : {}),
    });
  }

  /** `26/Nov/2026:00:41:57 +0000`, computed once per second. */
  #time(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#lastSecond) {
      this.#lastSecond = second;
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      const off = -d.getTimezoneOffset();
      const sign = off >= 0 ? '+' : '-';
      const abs = Math.abs(off);
      this.#timeLocal = `${p(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
    }
    return this.#timeLocal;
  }
}

/** nginx escapes `"`, `\` and bytes outside printable ASCII as \xHH in log variables. */
function escape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /["\\\x00-\x1f\x7f-\uffff]/.test(s) ? s.replace(/["\\\x00-\x1f\x7f-\uffff]/g, (c) => (c.charCodeAt(0) > 0xff ? encodeURIComponent(c).replace(/%/g, '\\x') : `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)) : s;
}

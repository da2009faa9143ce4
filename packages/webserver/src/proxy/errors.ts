/**
 * The proxy's error catalogue: stable codes, and the one place that maps a failure to the status
 * the client gets (a timeout is 504 Gateway Timeout, anything else 502 Bad Gateway, as nginx).
 * @module
 */

/** Stable codes of failures the proxy itself detects. */
export const ProxyErrorCode = {
  CONNECT_TIMEOUT: 'ERR_PROXY_CONNECT_TIMEOUT',
  SEND_TIMEOUT: 'ERR_PROXY_SEND_TIMEOUT',
  READ_TIMEOUT: 'ERR_PROXY_READ_TIMEOUT',
  NO_LIVE_UPSTREAMS: 'ERR_PROXY_NO_LIVE_UPSTREAMS',
  /** A temp file for a spilled body could not be created or written (disk full, bad tempPath). */
  TEMP_FILE: 'ERR_PROXY_TEMP_FILE',
  /** The upstream's response could not be parsed (bad framing) or passed on (bad header). */
  INVALID_RESPONSE: 'ERR_PROXY_INVALID_RESPONSE',
} as const;

/** An error with a stable `code`. */
export class ProxyError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** Codes of timeouts (ours, undici's, the kernel's): they map to 504. */
const TIMEOUTS = new Set<unknown>([
  ProxyErrorCode.CONNECT_TIMEOUT,
  ProxyErrorCode.SEND_TIMEOUT,
  ProxyErrorCode.READ_TIMEOUT,
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** True for the timeouts that map to 504. */
export function isTimeout(err: unknown): boolean {
  return TIMEOUTS.has((err as { code?: unknown } | null)?.code);
}

/** The status for a failure before any response byte went to the client. */
export function statusFor(err: unknown): 502 | 504 {
  return isTimeout(err) ? 504 : 502;
}

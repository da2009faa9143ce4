/**
 * The catalogue of `validate()` violations: one stable code per broken rule of SPEC.md, the
 * side that broke it, and the SPEC section to read. Messages built from these say how to fix it.
 * @module
 */

/** Which party broke the contract: the server that called the app, or the app that answered. */
export type TsgiViolationSide = 'server' | 'app';

/** `error` breaks a MUST of SPEC.md; `warning` breaks a SHOULD. */
export type TsgiViolationSeverity = 'error' | 'warning';

interface CodeInfo {
  readonly side: TsgiViolationSide;
  readonly severity: TsgiViolationSeverity;
  /** The SPEC.md section (and requirement tag) the code enforces. */
  readonly spec: string;
  /** One line: what the rule is. */
  readonly rule: string;
}

/**
 * Every code `validate()` can report. Codes are stable: tools may match on them.
 *
 * @example
 * ```ts
 * import { TSGI_VIOLATIONS } from 'tsgi';
 * console.log(TSGI_VIOLATIONS.TSGI_E_HOP_BY_HOP.spec); // '5.4 [R5.4.1]'
 * ```
 */
export const TSGI_VIOLATIONS = {
  // ---- the server side: what the app was called with -------------------------------------
  TSGI_E_FETCH_ARGUMENTS: { side: 'server', severity: 'error', spec: '2.1.3 [R2.1.3]', rule: 'fetch is called with exactly (request, context)' },
  TSGI_E_REQUEST_TYPE: { side: 'server', severity: 'error', spec: '3 [R3.0.1]', rule: 'the first argument is a Request' },
  TSGI_E_REQUEST_URL: { side: 'server', severity: 'error', spec: '3.1.1 [R3.1.1]', rule: 'request.url is an absolute http: or https: URL' },
  TSGI_E_REQUEST_METHOD: { side: 'server', severity: 'error', spec: '3.3 [R3.3.1]', rule: 'request.method is an HTTP method token' },
  TSGI_E_REQUEST_BODY: { side: 'server', severity: 'error', spec: '3.5.1 [R3.5.1]', rule: 'request.body is null for GET and HEAD' },
  TSGI_E_REQUEST_SIGNAL: { side: 'server', severity: 'error', spec: '3.7 [R3.7.2]', rule: 'request.signal is an AbortSignal, not aborted when the app is called, never aborted by a normal completion' },
  TSGI_E_CONTEXT_TYPE: { side: 'server', severity: 'error', spec: '4 [R4.0.1]', rule: 'the second argument is a context object' },
  TSGI_E_CONTEXT_FIELD: { side: 'server', severity: 'error', spec: '4 [R4.0.1]', rule: 'every context field is present with its type' },
  TSGI_E_CONTEXT_SCHEME: { side: 'server', severity: 'error', spec: '4.0.3 [R4.0.3b]', rule: 'context.scheme equals the scheme of request.url' },
  TSGI_E_CONTEXT_SERVER_NAME: { side: 'server', severity: 'error', spec: '4.0.3 [R4.0.3]', rule: 'context.serverName equals the hostname of request.url' },
  TSGI_E_CONTEXT_PROTOCOL: { side: 'server', severity: 'error', spec: '3.8 [R3.8.1]', rule: 'context.protocol is HTTP/1.0, HTTP/1.1 or HTTP/2' },
  TSGI_E_CONTEXT_RAW_HEADERS: { side: 'server', severity: 'error', spec: '3.4.3 [R3.4.3]', rule: 'context.rawHeaders is a flat [name, value, ...] array of strings' },
  TSGI_E_CONTEXT_MOUNT_PATH: { side: 'server', severity: 'error', spec: '3.1.5 [R3.1.5]', rule: "context.mountPath is '' or '/prefix' (no trailing slash) and request.url's path is under it" },
  TSGI_E_CONTEXT_WORKER: { side: 'server', severity: 'error', spec: '4.9 [R4.9.1]', rule: 'context.worker has a positive integer id and an integer pid' },
  TSGI_E_CONTEXT_SERVER_INFO: { side: 'server', severity: 'error', spec: '4.3 [R4.3.2] [R4.3.3]', rule: 'context.server declares software, tsgiVersion (major.minor), extensions and every limit' },
  TSGI_E_CONTEXT_SERVER_CHANGED: { side: 'server', severity: 'error', spec: '4.3.1 [R4.3.1]', rule: 'context.server is the same object for every request of a worker' },
  TSGI_E_EXTENSION_NAME: { side: 'server', severity: 'error', spec: '4.4 [R4.4.1]', rule: "extension names start with 'tsgi.' or are reverse-DNS names" },
  TSGI_E_COMPLETED_REJECTED: { side: 'server', severity: 'error', spec: '4.5 [R4.5.1b]', rule: 'context.completed never rejects' },
  TSGI_E_COMPLETION_SHAPE: { side: 'server', severity: 'error', spec: '4.5 [R4.5.2]', rule: 'context.completed fulfils with { aborted: boolean, bytesWritten: number, status: number }' },
  // ---- the app side: what the app answered --------------------------------------------------
  TSGI_E_APP_SHAPE: { side: 'app', severity: 'error', spec: '2.1 [R2.1.2]', rule: 'an app is a fetch function or an object with a fetch method' },
  TSGI_E_STARTUP_STATE: { side: 'app', severity: 'error', spec: '2.3.2', rule: 'startup returns nothing or a plain object of state' },
  TSGI_E_RESPONSE_TYPE: { side: 'app', severity: 'error', spec: '2.1.4 [R2.1.4] [R2.1.5]', rule: 'fetch returns a Response or a Promise of one' },
  TSGI_E_STATUS: { side: 'app', severity: 'error', spec: '5.2 [R5.2.1]', rule: 'the status is an integer in 200-599' },
  TSGI_E_STATUS_TEXT: { side: 'app', severity: 'error', spec: '5.2.2 [R5.2.2]', rule: 'statusText contains no CR or LF' },
  TSGI_E_HEADER_NAME: { side: 'app', severity: 'error', spec: '5.3 [R5.3.1]', rule: 'header names are tokens (RFC 9110 5.6.2)' },
  TSGI_E_HEADER_VALUE: { side: 'app', severity: 'error', spec: '5.3 [R5.3.2]', rule: 'header values contain no CR, LF or NUL (RFC 9110 5.5)' },
  TSGI_E_HOP_BY_HOP: { side: 'app', severity: 'error', spec: '5.4 [R5.4.1]', rule: 'apps do not set Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, TE or Trailer' },
  TSGI_E_BODY_ON_HEAD: { side: 'app', severity: 'warning', spec: '5.7.1 [R5.7.1b]', rule: 'a response to HEAD should have a null body (the server discards it)' },
  TSGI_E_BODY_ON_NULL_BODY_STATUS: { side: 'app', severity: 'error', spec: '5.7.2 [R5.7.5]', rule: '204 and 304 responses have no body' },
  TSGI_E_CONTENT_LENGTH_ON_204: { side: 'app', severity: 'error', spec: '5.7.2 [R5.7.4]', rule: 'a 204 response has no Content-Length (RFC 9110 8.6)' },
  TSGI_E_CONTENT_LENGTH_INVALID: { side: 'app', severity: 'error', spec: '5.6', rule: 'Content-Length is one non-negative decimal integer (RFC 9110 8.6)' },
  TSGI_E_CONTENT_LENGTH_MISMATCH: { side: 'app', severity: 'error', spec: '5.6.2 [R5.6.4] [R5.6.5]', rule: 'the body has exactly Content-Length bytes' },
  TSGI_E_FILE_BODY: { side: 'app', severity: 'error', spec: '7.2 [R7.2.1]', rule: 'a tsgi.file body is { path: absolute, offset?: integer >= 0, length?: integer >= 0 } on a Response with a body' },
} as const satisfies Record<string, CodeInfo>;

/** A stable violation code such as `TSGI_E_RESPONSE_TYPE`. */
export type TsgiViolationCode = keyof typeof TSGI_VIOLATIONS;

/** One broken rule, as `validate()` reports it. */
export interface TsgiViolation {
  readonly code: TsgiViolationCode;
  readonly side: TsgiViolationSide;
  readonly severity: TsgiViolationSeverity;
  /** What was wrong, what was found, and how to fix it. */
  readonly message: string;
  /** `METHOD url` of the request it happened on, when there is one. */
  readonly request?: string;
}

/**
 * Builds a violation with the catalogue's side and severity and a message that ends with the
 * SPEC section to read.
 */
export function violation(code: TsgiViolationCode, detail: string, request?: string): TsgiViolation {
  const info = TSGI_VIOLATIONS[code];
  const message = `${code}: ${detail} (TSGI SPEC.md ${info.spec}: ${info.rule})`;
  return request === undefined
    ? { code, side: info.side, severity: info.severity, message }
    : { code, side: info.side, severity: info.severity, message, request };
}

/**
 * What `validate()` throws: the first error-level violation of a call, with its stable code.
 *
 * @example
 * ```ts
 * try { await validated.fetch(request, context); }
 * catch (error) { if (error instanceof TsgiValidationError) console.log(error.code); }
 * ```
 */
export class TsgiValidationError extends Error {
  readonly code: TsgiViolationCode;
  readonly side: TsgiViolationSide;
  readonly violation: TsgiViolation;
  constructor(found: TsgiViolation) {
    super(found.request === undefined ? found.message : `${found.message} [on ${found.request}]`);
    this.name = 'TsgiValidationError';
    this.code = found.code;
    this.side = found.side;
    this.violation = found;
  }
}

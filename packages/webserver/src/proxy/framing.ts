/**
 * Request framing checks done before anything is forwarded (RFC 9112 section 6, and the
 * smuggling cases of RFC 9112 section 11.2). node's llhttp parser already rejects most ambiguous
 * messages; these checks are the second line, for whatever it lets through (or a lenient parser
 * would): a message an upstream could frame differently than we do is never passed on.
 * @module
 */

/** Why a request was refused; `status` is what the client gets. */
export interface FramingError {
  readonly status: 400 | 501;
  readonly code: string;
  readonly message: string;
}

// Field values: VCHAR, obs-text, SP and HTAB only (RFC 9110 section 5.5); NUL, CR and LF never.
const BAD_VALUE = /[\0\r\n]/;
const DIGITS = /^[0-9]+$/;

/**
 * Checks the raw header list of a request. Returns undefined when the framing is unambiguous.
 *
 * @example
 * ```ts
 * const err = checkRequestFraming(req.rawHeaders);
 * if (err) { res.writeHead(err.status, { connection: 'close' }).end(err.message); return; }
 * ```
 */
export function checkRequestFraming(rawHeaders: readonly string[]): FramingError | undefined {
  let contentLength: string | undefined;
  let te = 0;
  let teValue = '';
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    if (BAD_VALUE.test(value) || BAD_VALUE.test(name)) {
      return { status: 400, code: 'ERR_PROXY_BAD_HEADER_VALUE', message: `header ${JSON.stringify(name)} contains NUL, CR or LF` };
    }
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      // RFC 9112 6.3: several Content-Length values that differ, or one that is not digits, are unrecoverable.
      if (!DIGITS.test(value)) return { status: 400, code: 'ERR_PROXY_BAD_CONTENT_LENGTH', message: 'invalid Content-Length' };
      if (contentLength !== undefined && contentLength !== value) {
        return { status: 400, code: 'ERR_PROXY_BAD_CONTENT_LENGTH', message: 'conflicting Content-Length headers' };
      }
      contentLength = value;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      te++;
      teValue = value;
    }
  }
  if (te > 0) {
    // RFC 9112 6.1: a message with both is an attack vector; reject rather than guess (as nginx 1.23+ and Gunicorn do).
    if (contentLength !== undefined) {
      return { status: 400, code: 'ERR_PROXY_CL_AND_TE', message: 'both Content-Length and Transfer-Encoding' };
    }
    // Only exactly `chunked`, once: `chunked, chunked`, `xchunked`, ` chunked` or `gzip, chunked` are
    // read differently by different parsers, so they are refused.
    if (te > 1 || teValue.toLowerCase() !== 'chunked') {
      return { status: 400, code: 'ERR_PROXY_BAD_TRANSFER_ENCODING', message: 'Transfer-Encoding other than a single "chunked"' };
    }
  }
  return undefined;
}

/** True when the request carries a body (RFC 9112 6.3: Transfer-Encoding or a non-zero Content-Length). */
export function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const cl = headers['content-length'];
  return cl !== undefined && cl !== '0';
}

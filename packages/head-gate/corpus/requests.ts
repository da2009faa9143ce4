/**
 * The hostile-input corpus of the request-head gate: raw HTTP/1.x requests as data, each with the
 * status every tsgi server answers and what may reach the app or the upstream behind it. One
 * table, run against every server by `interop/head-gate.test.ts` (and against nginx, for the
 * README's comparison). Not shipped in the npm package (it lives outside `src/`).
 *
 * Statuses are those of `src/rules.ts`. Where node's parser (llhttp) refuses the bytes, the status
 * is the one `src/parser-errors.ts` maps its error code to; those codes were found by experiment
 * against a plain node:http server (node 20) and are noted per case as `llhttp: HPE_...`.
 *
 * `reaches` lists the requests the app or upstream receives WHOLE (head and complete body), as
 * `METHOD path`, the path normalised as `normalizePath` does (dot segments resolved, `%2e` counted
 * as a dot, `\` as `/`, percent-encoded unreserved characters decoded), so a server that forwards
 * `/mnt/a/../echo` as it came and one that forwards `/mnt/echo` both match `GET /mnt/echo`. A
 * request whose head was admitted but whose body proves malformed is streamed to the app as it
 * arrives, so the app may see its head; it never sees a complete body, and it is not listed.
 * @module
 */

/** One raw request (or several on one connection) and what every tsgi server must do with it. */
export interface HeadGateCase {
  /** Stable kebab-case id: failure messages and the nginx table name the case by it. */
  readonly id: string;
  /** What the case is, in a few words. */
  readonly name: string;
  /** The bytes sent on one fresh connection (latin1; `\r\n` written out). */
  readonly raw: string;
  /** The status of the first response on the connection. */
  readonly status: number;
  /** Every response status on the connection, in order, when more than one is expected; default `[status]`. */
  readonly responses?: readonly number[];
  /** The `METHOD path` lines the app or upstream receives whole, in order; `[]` when nothing may reach it. */
  readonly reaches: readonly string[];
  /**
   * What an upstream behind tsgi-webserver receives, when it differs from `reaches`: the proxy
   * forwards `OPTIONS *` as `OPTIONS /` (undici, its client, cannot send the asterisk form).
   */
  readonly reachesUpstream?: readonly string[];
  /** The Host the app or upstream must see for the reached request(s), when the case is about it. */
  readonly host?: string;
  /** Run only against servers mounted at `/mnt` (and only those run it). */
  readonly mount?: true;
}

/** The Host every case sends unless it is about Host. */
export const HOST = 'example.test';

const H = `Host: ${HOST}\r\n`;

/** A chunked body holding `data` in one chunk, then the last chunk. */
function chunked(data: string): string {
  return `${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`;
}

/**
 * A pipelined request hidden in a body: if a server frames the body differently than the
 * correct reading, these bytes become a second request (and a second response, and a `GET
 * /smuggled` reaching the app), which every case that carries it forbids.
 */
const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;

/** `count` extra header fields `X-N: v`. */
function manyHeaders(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += `X-${i}: v\r\n`;
  return out;
}

/** The cases against servers mounted at the root. */
const ROOT_CASES: readonly HeadGateCase[] = [
  // Controls: well-formed requests of each shape reach the app.
  { id: 'control-get', name: 'a plain GET', raw: `GET /echo HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'control-content-length', name: 'a POST with a Content-Length body', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`, status: 200, reaches: ['POST /echo'] },
  { id: 'control-chunked', name: 'a POST with a chunked body hiding a request', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 200, reaches: ['POST /echo'] },
  { id: 'control-chunked-uppercase', name: 'Transfer-Encoding: CHUNKED (codings are case-insensitive)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: CHUNKED\r\n\r\n${chunked(SMUGGLED)}`, status: 200, reaches: ['POST /echo'] },
  { id: 'control-chunked-trailer', name: 'a chunked body with a trailer field', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n`, status: 200, reaches: ['POST /echo'] },

  // Request smuggling: Content-Length with Transfer-Encoding (RFC 9112 section 6.3).
  // llhttp: HPE_UNEXPECTED_CONTENT_LENGTH.
  { id: 'cl-te', name: 'Content-Length then Transfer-Encoding: chunked', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400, reaches: [] },
  { id: 'te-cl', name: 'Transfer-Encoding: chunked then Content-Length', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400, reaches: [] },
  { id: 'cl-te-xchunked', name: 'Content-Length with Transfer-Encoding: xchunked', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400, reaches: [] },
  // Obfuscated Transfer-Encoding.
  // llhttp: HPE_INVALID_TRANSFER_ENCODING (a request whose final coding is not chunked).
  { id: 'te-xchunked', name: 'Transfer-Encoding: xchunked', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  // Leading space and tab are OWS (RFC 9110 section 5.6.3): the value is `chunked`, the body is chunked.
  { id: 'te-leading-space', name: 'Transfer-Encoding:  chunked (extra leading space is OWS)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding:  chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 200, reaches: ['POST /echo'] },
  { id: 'te-leading-tab', name: 'Transfer-Encoding:<TAB>chunked (tab is OWS)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding:\tchunked\r\n\r\n${chunked(SMUGGLED)}`, status: 200, reaches: ['POST /echo'] },
  // llhttp: HPE_INVALID_HEADER_TOKEN (VT is no field-value character).
  { id: 'te-leading-vertical-tab', name: 'Transfer-Encoding:<VT>chunked', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  // Gate: transfer-encoding-not-chunked (chunked applied twice).
  { id: 'te-chunked-chunked', name: 'Transfer-Encoding: chunked, chunked', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  // Gate: transfer-encoding-unknown.
  { id: 'te-gzip-chunked', name: 'Transfer-Encoding: gzip, chunked (a coding not implemented)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 501, reaches: [] },
  // llhttp: HPE_INVALID_TRANSFER_ENCODING (final coding not chunked).
  { id: 'te-chunked-gzip', name: 'Transfer-Encoding: chunked, gzip (final coding not chunked)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  { id: 'te-gzip', name: 'Transfer-Encoding: gzip alone', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, status: 400, reaches: [] },
  { id: 'te-gzip-then-request', name: 'Transfer-Encoding: gzip with a request after it: exactly one response', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n${SMUGGLED}`, status: 400, reaches: [] },
  // Gate: transfer-encoding-http10 (RFC 9112 section 6.1).
  { id: 'te-http10', name: 'Transfer-Encoding: chunked in an HTTP/1.0 request', raw: `POST /echo HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  // Two fields are one list (RFC 9110 section 5.3): `chunked, x` and `gzip, chunked`.
  { id: 'te-split-chunked-then-other', name: 'Transfer-Encoding: chunked and Transfer-Encoding: x as two fields', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },
  { id: 'te-split-gzip-then-chunked', name: 'Transfer-Encoding: gzip and Transfer-Encoding: chunked as two fields', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 501, reaches: [] },
  { id: 'te-obs-fold', name: 'Transfer-Encoding folded onto a continuation line (obs-fold)', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n${chunked(SMUGGLED)}`, status: 400, reaches: [] },

  // Content-Length (RFC 9112 section 6.3). llhttp: HPE_INVALID_CONTENT_LENGTH or HPE_UNEXPECTED_CONTENT_LENGTH.
  { id: 'cl-two-different', name: 'two Content-Length fields that differ', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`, status: 400, reaches: [] },
  { id: 'cl-two-same', name: 'two Content-Length fields with the same value', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd`, status: 400, reaches: [] },
  { id: 'cl-list', name: 'Content-Length: 4, 5', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 4, 5\r\n\r\nabcde`, status: 400, reaches: [] },
  { id: 'cl-plus-sign', name: 'Content-Length: +4', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: +4\r\n\r\nabcd`, status: 400, reaches: [] },
  { id: 'cl-hex', name: 'Content-Length: 0x4', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 0x4\r\n\r\nabcd`, status: 400, reaches: [] },
  { id: 'cl-negative', name: 'Content-Length: -1', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\nabcd`, status: 400, reaches: [] },
  { id: 'cl-overflow', name: 'Content-Length: 9999999999999999999999', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length: 9999999999999999999999\r\n\r\nabcd`, status: 400, reaches: [] },
  // llhttp: HPE_INVALID_HEADER_TOKEN.
  { id: 'cl-space-before-colon', name: 'Content-Length : 4 (space before the colon)', raw: `POST /echo HTTP/1.1\r\n${H}Content-Length : 4\r\n\r\nabcd`, status: 400, reaches: [] },

  // Chunked framing (RFC 9112 section 7.1): the head is admitted, the body refused.
  // llhttp: HPE_INVALID_CHUNK_SIZE.
  { id: 'chunk-size-overflow', name: 'a chunk size overflowing 64 bits', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nabc\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-size-not-hex', name: 'a chunk size that is not hex', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-size-negative', name: 'a chunk size with a minus sign', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-extension', name: 'a valid chunk extension ;a=b', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n`, status: 200, reaches: ['POST /echo'] },
  // llhttp: HPE_CHUNK_EXTENSIONS_OVERFLOW (node limits chunk extensions to 16 KiB).
  { id: 'chunk-extension-too-large', name: 'a chunk extension over 20 KiB', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a=${'b'.repeat(20 * 1024)}\r\nhello\r\n0\r\n\r\n`, status: 413, reaches: [] },
  { id: 'chunk-data-too-long', name: 'chunk data longer than its size', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-size-bare-lf', name: 'a chunk size line ending in a bare LF', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-size-bare-cr', name: 'a chunk size line ending in a bare CR', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n`, status: 400, reaches: [] },
  { id: 'chunk-data-bare-lf', name: 'chunk data ending in a bare LF', raw: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n`, status: 400, reaches: [] },

  // Line endings and bytes in the head (RFC 9112 sections 2.2 and 5; RFC 9110 section 5.5).
  { id: 'bare-lf-head', name: 'a head with bare LF line endings', raw: `GET /echo HTTP/1.1\nHost: ${HOST}\n\n`, status: 400, reaches: [] },
  { id: 'bare-lf-between-fields', name: 'one bare LF between header fields', raw: `GET /echo HTTP/1.1\r\nX-A: 1\nHost: ${HOST}\r\n\r\n`, status: 400, reaches: [] },
  { id: 'bare-cr-in-value', name: 'a bare CR inside a field value', raw: `GET /echo HTTP/1.1\r\n${H}X-A: 1\r2\r\n\r\n`, status: 400, reaches: [] },
  { id: 'bare-cr-request-line', name: 'a request line ending in a bare CR', raw: `GET /echo HTTP/1.1\r${H}\r\n`, status: 400, reaches: [] },
  { id: 'nul-in-value', name: 'NUL in a field value', raw: `GET /echo HTTP/1.1\r\n${H}X-A: 1\x002\r\n\r\n`, status: 400, reaches: [] },
  { id: 'nul-in-name', name: 'NUL in a field name', raw: `GET /echo HTTP/1.1\r\n${H}X-\x00A: 1\r\n\r\n`, status: 400, reaches: [] },
  { id: 'nul-in-target', name: 'NUL in the request target', raw: `GET /ec\x00ho HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'obs-fold', name: 'a field folded onto a continuation line (obs-fold)', raw: `GET /echo HTTP/1.1\r\n${H}X-Folded: a\r\n b\r\n\r\n`, status: 400, reaches: [] },
  { id: 'control-byte-in-value', name: 'a control byte (0x01) in a field value', raw: `GET /echo HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n`, status: 400, reaches: [] },
  { id: 'del-in-value', name: 'DEL (0x7f) in a field value', raw: `GET /echo HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`, status: 400, reaches: [] },
  { id: 'tab-in-value', name: 'a tab inside a field value (allowed)', raw: `GET /echo HTTP/1.1\r\n${H}X-A: a\tb\r\n\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'obs-text-in-value', name: 'bytes >= 0x80 in a field value (obs-text, allowed)', raw: `GET /echo HTTP/1.1\r\n${H}X-A: caf\xe9 \xff\r\n\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'space-in-name', name: 'a space inside a field name', raw: `GET /echo HTTP/1.1\r\n${H}X A: 1\r\n\r\n`, status: 400, reaches: [] },
  { id: 'empty-name', name: 'a field with an empty name', raw: `GET /echo HTTP/1.1\r\n${H}: 1\r\n\r\n`, status: 400, reaches: [] },

  // Host (RFC 9112 section 3.2).
  { id: 'host-missing-http11', name: 'HTTP/1.1 without Host', raw: `GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-missing-http10', name: 'HTTP/1.0 without Host (allowed)', raw: `GET /echo HTTP/1.0\r\nX-A: 1\r\n\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'host-duplicate', name: 'two Host fields', raw: `GET /echo HTTP/1.1\r\n${H}Host: other.test\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-duplicate-same-value', name: 'two identical Host fields', raw: `GET /echo HTTP/1.1\r\n${H}${H}\r\n`, status: 400, reaches: [] },
  { id: 'host-duplicate-lowercase', name: 'Host and host', raw: `GET /echo HTTP/1.1\r\n${H}host: other.test\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-duplicate-uppercase', name: 'Host and HOST', raw: `GET /echo HTTP/1.1\r\n${H}HOST: other.test\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-port-99999', name: 'Host with port 99999', raw: `GET /echo HTTP/1.1\r\nHost: ${HOST}:99999\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-port-65536', name: 'Host with port 65536', raw: `GET /echo HTTP/1.1\r\nHost: ${HOST}:65536\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-port-negative', name: 'Host with port -1', raw: `GET /echo HTTP/1.1\r\nHost: ${HOST}:-1\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-port-not-digits', name: 'Host with port 8a', raw: `GET /echo HTTP/1.1\r\nHost: ${HOST}:8a\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-userinfo', name: 'Host with userinfo u@x', raw: `GET /echo HTTP/1.1\r\nHost: u@${HOST}\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-empty', name: 'an empty Host', raw: `GET /echo HTTP/1.1\r\nHost: \r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-with-slash', name: 'Host x/y', raw: `GET /echo HTTP/1.1\r\nHost: x/y\r\n\r\n`, status: 400, reaches: [] },
  { id: 'host-port-65535', name: 'Host with port 65535 (allowed)', raw: `GET /echo HTTP/1.1\r\nHost: ${HOST}:65535\r\n\r\n`, status: 200, reaches: ['GET /echo'], host: `${HOST}:65535` },
  { id: 'host-ipv6', name: 'Host [::1]:8080 (allowed)', raw: `GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n`, status: 200, reaches: ['GET /echo'], host: '[::1]:8080' },

  // The request target (RFC 9112 section 3.2).
  { id: 'absolute-form', name: 'absolute-form: the authority replaces Host', raw: `GET http://evil.example/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, status: 200, reaches: ['GET /x'], host: 'evil.example' },
  { id: 'absolute-form-userinfo', name: 'absolute-form with userinfo', raw: `GET http://u:p@evil.example/x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'absolute-form-empty-authority', name: 'absolute-form http:///x (empty authority)', raw: `GET http:///x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'absolute-form-bad-port', name: 'absolute-form with port 99999', raw: `GET http://evil.example:99999/x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'absolute-form-ftp', name: 'absolute-form with the ftp scheme', raw: `GET ftp://evil.example/x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'asterisk-get', name: 'GET * (asterisk-form is for OPTIONS only)', raw: `GET * HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'asterisk-options', name: 'OPTIONS * (allowed)', raw: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['OPTIONS *'], reachesUpstream: ['OPTIONS /'] },

  // The request line (RFC 9112 section 3; RFC 9110 sections 2.5 and 9.1).
  { id: 'http09', name: 'an HTTP/0.9 request line GET /', raw: `GET /\r\n\r\n`, status: 400, reaches: [] },
  { id: 'http20', name: 'HTTP/2.0 on an HTTP/1 connection', raw: `GET /echo HTTP/2.0\r\n${H}\r\n`, status: 505, reaches: [] },
  // llhttp: HPE_INVALID_VERSION (it knows 0.9, 1.0, 1.1 and 2.0 only), major 1 -> request-line.
  { id: 'http12', name: 'HTTP/1.2', raw: `GET /echo HTTP/1.2\r\n${H}\r\n`, status: 400, reaches: [] },
  // llhttp: HPE_INVALID_VERSION, major 3 -> http-version.
  { id: 'http30', name: 'HTTP/3.0', raw: `GET /echo HTTP/3.0\r\n${H}\r\n`, status: 505, reaches: [] },
  // llhttp: HPE_INVALID_METHOD; a well-formed token -> method-not-implemented.
  { id: 'method-lowercase', name: 'a lowercase method get (a token node does not know)', raw: `get /echo HTTP/1.1\r\n${H}\r\n`, status: 501, reaches: [] },
  // llhttp: HPE_INVALID_METHOD; `@` is no tchar -> request-line.
  { id: 'method-bad-char', name: 'a method with a character outside tchar (G@T)', raw: `G@T /echo HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'method-connect', name: 'CONNECT (no tsgi server tunnels)', raw: `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`, status: 501, reaches: [] },
  { id: 'request-line-extra-token', name: 'a request line with a fourth token', raw: `GET /echo HTTP/1.1 extra\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'request-line-9000', name: 'a 9000-byte request line', raw: `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, status: 414, reaches: [] },
  { id: 'request-line-70000', name: 'a 70000-byte request line', raw: `GET /${'a'.repeat(70000)} HTTP/1.1\r\n${H}\r\n`, status: 414, reaches: [] },
  { id: 'header-9000', name: 'one 9000-byte header field', raw: `GET /echo HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(9000)}\r\n\r\n`, status: 431, reaches: [] },
  { id: 'headers-101', name: '101 header fields', raw: `GET /echo HTTP/1.1\r\n${H}${manyHeaders(100)}\r\n`, status: 431, reaches: [] },
  { id: 'headers-100', name: '100 header fields (the limit)', raw: `GET /echo HTTP/1.1\r\n${H}${manyHeaders(99)}\r\n`, status: 200, reaches: ['GET /echo'] },

  // Dot segments above the root (RFC 3986 section 5.2.4).
  { id: 'dot-dot-root', name: '/../x climbs above the root', raw: `GET /../x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'dot-dot-deep', name: '/a/../../x climbs above the root', raw: `GET /a/../../x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'dot-dot-encoded', name: '/%2e%2e/x climbs above the root', raw: `GET /%2e%2e/x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'dot-dot-backslash', name: '/..\\x climbs above the root (backslash counted as /)', raw: `GET /..\\x HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  // %2F is data to the URL standard, but a server that decodes before it resolves (nginx, static
  // files) would climb: the gate counts it as a separator for this test, as nginx does.
  { id: 'dot-dot-encoded-slash', name: '/..%2fx climbs for a server that decodes first', raw: `GET /..%2fx HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
  { id: 'dot-dot-inside', name: '/a/../echo stays under the root', raw: `GET /a/../echo HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'dot-dot-in-query', name: '/echo?p=/../../x (dot segments in the query are data)', raw: `GET /echo?p=/../../x HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /echo?p=/../../x'] },

  // Several requests on one connection (RFC 9112 section 9.3.2, 9.6).
  { id: 'pipelined-two', name: 'two good requests pipelined', raw: `GET /echo HTTP/1.1\r\n${H}\r\nGET /second HTTP/1.1\r\n${H}\r\n`, status: 200, responses: [200, 200], reaches: ['GET /echo', 'GET /second'] },
  { id: 'pipelined-after-close', name: 'a request after Connection: close is ignored', raw: `GET /echo HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET /second HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'pipelined-after-http10', name: 'bytes after an HTTP/1.0 request are ignored', raw: `GET /echo HTTP/1.0\r\n${H}\r\nGET /second HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /echo'] },
  { id: 'pipelined-good-then-bad', name: 'a good request then a malformed one: 200, 400, close', raw: `GET /echo HTTP/1.1\r\n${H}\r\nGET /second HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /third HTTP/1.1\r\n${H}\r\n`, status: 200, responses: [200, 400], reaches: ['GET /echo'] },
  { id: 'pipelined-good-then-garbage', name: 'a good request then bytes no parser accepts: 200, 400, close', raw: `GET /echo HTTP/1.1\r\n${H}\r\nGET /second HTTP/1.1\r\n${H}X-A: 1\x002\r\n\r\nGET /third HTTP/1.1\r\n${H}\r\n`, status: 200, responses: [200, 400], reaches: ['GET /echo'] },
  { id: 'pipelined-bad-then-good', name: 'a malformed request then a good one: one 400, nothing reaches', raw: `GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /second HTTP/1.1\r\n${H}\r\n`, status: 400, reaches: [] },
];

/** The cases against servers mounted at `/mnt` (the mount test of SPEC 3.1.5). */
const MOUNT_CASES: readonly HeadGateCase[] = [
  { id: 'mount-inside', name: '/mnt/echo is inside the mount', raw: `GET /mnt/echo HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /mnt/echo'], mount: true },
  { id: 'mount-encoded-unreserved', name: '/%6Dnt/echo decodes to /mnt/echo', raw: `GET /%6Dnt/echo HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /mnt/echo'], mount: true },
  { id: 'mount-dot-dot-inside', name: '/mnt/a/../echo stays inside the mount', raw: `GET /mnt/a/../echo HTTP/1.1\r\n${H}\r\n`, status: 200, reaches: ['GET /mnt/echo'], mount: true },
  { id: 'mount-dot-dot', name: '/mnt/../echo leaves the mount', raw: `GET /mnt/../echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-dot-dot-encoded', name: '/mnt/%2e%2e/echo leaves the mount', raw: `GET /mnt/%2e%2e/echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-dot-dot-encoded-upper', name: '/mnt/%2E%2E/echo leaves the mount', raw: `GET /mnt/%2E%2E/echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-dot-dot-backslash', name: '/mnt\\..\\echo leaves the mount (backslash counted as /)', raw: `GET /mnt\\..\\echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-dot-then-dot-dot', name: '/mnt/./../echo leaves the mount', raw: `GET /mnt/./../echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-prefix-only', name: '/mntx/echo is not under /mnt', raw: `GET /mntx/echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
  { id: 'mount-case', name: '/MNT/echo is not /mnt (paths are case-sensitive)', raw: `GET /MNT/echo HTTP/1.1\r\n${H}\r\n`, status: 404, reaches: [], mount: true },
];

/** Every case: the root ones, then the mount ones. */
export const CASES: readonly HeadGateCase[] = [...ROOT_CASES, ...MOUNT_CASES];

/**
 * The `tsgi.early-hints` extension (SPEC 7.4): `103 Early Hints` (RFC 8297) sent before the
 * response, so a browser can start fetching the page's stylesheets and scripts while the app is
 * still working on the page. The server side (`sendHintsOn`, behind `context['tsgi.early-hints']`)
 * and the helper apps call ({@link sendEarlyHints}).
 * @module
 */
import type { Exchange } from './exchange.js';
import { HOP_BY_HOP_HEADERS } from './validate-headers.js';
import { TSGI_EARLY_HINTS_EXTENSION, type TsgiContext } from './types.js';

/** What node's own header check allows in a field value (HTAB, visible ASCII, obs-text): latin1 bytes only. */
const NOT_FIELD_BYTE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Sends `103 Early Hints` with `hints` if the server offers `tsgi.early-hints` (SPEC 7.4) and the
 * response has not started. Returns true when the 103 was handed to the transport, false when
 * it was not sent: the server lacks the extension, the client speaks HTTP/1.0 (RFC 9110 section
 * 15.2: no 1xx for it), the response already started, or the client has gone. Either way the
 * final response is the same, so an app never needs to branch on the result. Throws a TypeError
 * when `hints` has no `Link` field or a field that cannot go in a 103 (framing, hop-by-hop).
 *
 * @example
 * ```ts
 * import { sendEarlyHints } from 'tsgi';
 * export async function fetch(request: Request, context: TsgiContext) {
 *   sendEarlyHints(context, { link: '</static/site.css>; rel=preload; as=style' });
 *   const page = await renderSlowly(request); // the browser fetches site.css meanwhile
 *   return new Response(page, { headers: { 'content-type': 'text/html' } });
 * }
 * ```
 */
export function sendEarlyHints(context: TsgiContext, hints: HeadersInit): boolean {
  const send = context[TSGI_EARLY_HINTS_EXTENSION];
  if (typeof send !== 'function') {
    earlyHintFields(hints); // the same TypeError on every server, with or without the extension
    return false;
  }
  return send(hints);
}

/**
 * The fields of a 103 as `[name, value, ...]`, checked: valid names and values (node's rule:
 * latin1 bytes, no CR, LF or NUL), at least one `Link`, no hop-by-hop or framing field (a 1xx has
 * no content, RFC 9110 section 15.2).
 */
export function earlyHintFields(hints: HeadersInit): string[] {
  let headers: Headers;
  try {
    headers = new Headers(hints);
  } catch (error) {
    throw new TypeError(`tsgi: invalid early hints: ${(error as Error).message}`);
  }
  const fields: string[] = [];
  let links = 0;
  for (const [name, value] of headers) {
    if (HOP_BY_HOP_HEADERS.has(name) || name === 'content-length') {
      throw new TypeError(`tsgi: "${name}" cannot be sent in 103 Early Hints (it describes a message's framing or connection)`);
    }
    if (NOT_FIELD_BYTE.test(value)) throw new TypeError(`tsgi: early hint "${name}" has a character outside latin1 or a control character`);
    if (name === 'link') links++;
    fields.push(name, value);
  }
  if (links === 0) throw new TypeError('tsgi: early hints need at least one Link field (RFC 8297), e.g. { link: "</app.css>; rel=preload; as=style" }');
  return fields;
}

/** The internal writer of a 1xx on node's HTTP/1 response (the one node's writeContinue uses). */
interface RawWritable {
  _writeRaw?(data: string, encoding: BufferEncoding): boolean;
}

/**
 * The server side of `context['tsgi.early-hints']` for the node adapter. Before the commit point
 * only (SPEC 7.4.2), never to HTTP/1.0 (7.4.4). Written with node's own 1xx writer, which queues
 * it behind an earlier pipelined response: node's public `writeEarlyHints` refuses valid RFC 8288
 * values (several links in one value, quoted strings with spaces such as `media="(min-width: 40em)"`)
 * and writes the other fields unchecked.
 */
export function sendHintsOn(ex: Exchange, hints: HeadersInit): boolean {
  const fields = earlyHintFields(hints);
  const { req, res } = ex;
  if (ex.responded || ex.closed || res.headersSent || res.destroyed) return false;
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return false;
  let head = 'HTTP/1.1 103 Early Hints\r\n';
  for (let i = 0; i < fields.length; i += 2) head += `${fields[i]}: ${fields[i + 1]}\r\n`;
  const raw = res as unknown as RawWritable;
  if (typeof raw._writeRaw !== 'function') return false;
  raw._writeRaw(`${head}\r\n`, 'latin1');
  return true;
}

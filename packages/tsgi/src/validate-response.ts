/**
 * The app side of `validate()`: checks the value an app returned against SPEC.md section 5, and
 * wraps a body whose Content-Length must be verified as it streams.
 * @module
 */
import { TSGI_FILE } from './types.js';
import { violation, type TsgiViolation } from './validate-codes.js';
import { HOP_BY_HOP_HEADERS, hasForbiddenValueChar, isToken, showValue } from './validate-headers.js';

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return typeof value;
}

/**
 * Checks a value returned by `fetch` (already awaited). `method` is the request's method, for
 * the HEAD rule. Reads status, statusText and headers; never touches the body.
 *
 * @example
 * ```ts
 * const problems = checkResponse(await app.fetch(request, context), request.method);
 * ```
 */
export function checkResponse(response: unknown, method: string, label?: string): TsgiViolation[] {
  if (!(response instanceof Response)) {
    if (Object.prototype.toString.call(response) === '[object Response]') {
      // SPEC 2.1.5: tsgi's own servers adopt it; others need not.
      return [violation('TSGI_E_RESPONSE_TYPE', 'fetch returned a Response of another fetch implementation (the undici package?), not the global Response; return `new Response(r.body, r)`', label)];
    }
    const hint = response === undefined ? ' (did you forget a `return`, or an `await`?)' : '';
    return [violation('TSGI_E_RESPONSE_TYPE', `fetch returned ${typeOf(response)}, not a Response${hint}; return \`new Response(body, init)\``, label)];
  }
  const out: TsgiViolation[] = [];
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    out.push(violation('TSGI_E_STATUS', `status ${String(status)} is outside 200-599; 1xx responses belong to the server`, label));
  }
  if (/[\r\n]/.test(response.statusText)) {
    out.push(violation('TSGI_E_STATUS_TEXT', `statusText ${showValue(response.statusText)} contains CR or LF`, label));
  }
  let entries: Array<[string, string]>;
  try {
    entries = [...response.headers];
  } catch (error) {
    return [...out, violation('TSGI_E_HEADER_VALUE', `reading response.headers threw: ${String(error)}; give header names that are tokens and values without CR, LF or NUL`, label)];
  }
  let contentLength: string | undefined;
  for (const [name, value] of entries) {
    if (!isToken(name)) out.push(violation('TSGI_E_HEADER_NAME', `header name ${showValue(name)} is not a token`, label));
    if (hasForbiddenValueChar(value)) out.push(violation('TSGI_E_HEADER_VALUE', `header ${name} has value ${showValue(value)} with CR, LF or NUL; strip or encode them`, label));
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower)) {
      out.push(violation('TSGI_E_HOP_BY_HOP', `the app set the hop-by-hop header ${name}: ${showValue(value)}; remove it, the server frames the message and manages the connection`, label));
    }
    if (lower === 'content-length') contentLength = value;
  }
  if (contentLength !== undefined && !/^\d+$/.test(contentLength)) {
    out.push(violation('TSGI_E_CONTENT_LENGTH_INVALID', `Content-Length is ${showValue(contentLength)}; give one decimal number of bytes, or leave it to the server`, label));
  }
  if (status === 204 || status === 304) {
    if (response.body !== null) out.push(violation('TSGI_E_BODY_ON_NULL_BODY_STATUS', `a ${status} response has a body; pass null as the body`, label));
    if (status === 204 && contentLength !== undefined) out.push(violation('TSGI_E_CONTENT_LENGTH_ON_204', `a 204 response has Content-Length: ${contentLength}; remove it`, label));
  } else if (method === 'HEAD' && response.body !== null) {
    out.push(violation('TSGI_E_BODY_ON_HEAD', 'the response to HEAD has a body; the server discards it, so return `new Response(null, { headers })` and save the work', label));
  }
  out.push(...checkFileBody(response, label));
  return out;
}

function checkFileBody(response: Response, label: string | undefined): TsgiViolation[] {
  const file = (response as unknown as Record<symbol, unknown>)[TSGI_FILE];
  if (file === undefined) return [];
  const f = file as Record<string, unknown> | null;
  const bad = (detail: string): TsgiViolation[] => [violation('TSGI_E_FILE_BODY', detail, label)];
  if (f === null || typeof f !== 'object') return bad(`response[TSGI_FILE] is ${typeOf(file)}; expected { path, offset?, length? }`);
  if (typeof f.path !== 'string' || !(f.path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(f.path))) {
    return bad(`response[TSGI_FILE].path is ${JSON.stringify(f.path)}; give an absolute path`);
  }
  for (const key of ['offset', 'length'] as const) {
    const value = f[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      return bad(`response[TSGI_FILE].${key} is ${String(value)}; give a non-negative integer or leave it out`);
    }
  }
  if (response.body === null && response.status !== 304 && response.status !== 204) {
    return bad('a tsgi.file response has a null body; its ordinary body must stream the same bytes so servers without the extension stay correct (use fileResponse())');
  }
  return [];
}

/**
 * When the app declared a Content-Length and has a body, returns a Response whose body counts
 * the bytes as they stream and calls `report` when they end up more or fewer than declared
 * (SPEC.md 5.6.2). The body is never buffered. Other responses are returned unchanged.
 */
export function verifyContentLength(response: Response, method: string, report: (found: TsgiViolation) => void, label?: string): Response {
  let declared: string | null;
  try {
    declared = response.headers.get('content-length');
  } catch {
    return response; // Headers unreadable: checkResponse has reported it.
  }
  if (declared === null || !/^\d+$/.test(declared) || response.body === null || method === 'HEAD') return response;
  if (response.status === 204 || response.status === 304) return response;
  const expected = Number(declared);
  let seen = 0;
  let reported = false;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > expected && !reported) {
        reported = true;
        report(violation('TSGI_E_CONTENT_LENGTH_MISMATCH', `Content-Length is ${expected} but the body has more bytes (${seen} so far); the server cuts the body and closes the connection. Fix the header or leave it out`, label));
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (seen < expected && !reported) {
        reported = true;
        report(violation('TSGI_E_CONTENT_LENGTH_MISMATCH', `Content-Length is ${expected} but the body has only ${seen} bytes; the client sees a truncated message. Fix the header or leave it out`, label));
      }
    },
  });
  const wrapped = new Response(response.body.pipeThrough(counter), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  const file = (response as unknown as Record<symbol, unknown>)[TSGI_FILE];
  if (file !== undefined) Object.defineProperty(wrapped, TSGI_FILE, { value: file, enumerable: false });
  return wrapped;
}

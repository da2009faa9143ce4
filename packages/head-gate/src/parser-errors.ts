/**
 * Which rule a node:http parser error (llhttp's `HPE_*` codes, and node's own header timeout)
 * stands for. The parser enforces these rules before a request object exists; the gate only
 * names them, so every server answers them with the same status.
 * @module
 */
import { RULES, type HeadRule } from './rules.js';

/** The fields node adds to a parser error. */
export interface ParserError extends Error {
  code?: string;
  /** The chunk being parsed when the error was found. */
  rawPacket?: Buffer;
  /** Where in rawPacket the parser stopped. */
  bytesParsed?: number;
}

/** A well-formed request line (RFC 9112 section 3) whose method token node simply does not know. */
const WELL_FORMED_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [!-~]+ HTTP\/\d\.\d\r?\n/;
const VERSION = /HTTP\/(\d)\.\d\r?$/;
const CONTENT_LENGTH_FIELD = /\ncontent-length[ \t]*:/i;
/** llhttp codes that, inside a chunked body, mean its framing is broken. */
const BODY_CODES = new Set(['HPE_INVALID_CHUNK_SIZE', 'HPE_STRICT', 'HPE_CR_EXPECTED', 'HPE_LF_EXPECTED', 'HPE_INVALID_CONSTANT', 'HPE_UNEXPECTED_SPACE']);

/**
 * The rule a parser error breaks, or undefined when it is no refusal: the client went away
 * (ECONNRESET, EPIPE, a close mid-head), or sent bytes after `Connection: close`, which are
 * ignored (RFC 9112 section 9.6), never read as a request.
 *
 * @example
 * ```ts
 * ruleForParserError(Object.assign(new Error('x'), { code: 'HPE_INVALID_CHUNK_SIZE' }))?.status; // 400
 * ```
 */
export function ruleForParserError(err: ParserError, inBody = false): HeadRule | undefined {
  // In a body the only framing left to break is chunked (a Content-Length body cannot be malformed).
  if (inBody && BODY_CODES.has(err.code ?? '')) return RULES['chunked-framing'];
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'HPE_INVALID_EOF_STATE':
    case 'HPE_CLOSED_CONNECTION':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADER_TIMEOUT':
      return RULES['head-timeout'];
    case 'HPE_HEADER_OVERFLOW':
      return requestLine(err) === undefined ? RULES['request-line-too-long'] : RULES['header-too-large'];
    case 'HPE_INVALID_METHOD':
      return WELL_FORMED_LINE.test(currentRequest(err)) ? RULES['method-not-implemented'] : RULES['request-line'];
    case 'HPE_INVALID_VERSION': {
      const major = VERSION.exec(requestLine(err) ?? '')?.[1];
      return major !== undefined && Number(major) >= 2 ? RULES['http-version'] : RULES['request-line'];
    }
    case 'HPE_INVALID_URL':
    case 'HPE_INVALID_CONSTANT':
      return RULES['request-line'];
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_UNEXPECTED_SPACE':
    case 'HPE_CR_EXPECTED':
    case 'HPE_LF_EXPECTED':
    case 'HPE_STRICT':
      return RULES['header-syntax'];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return RULES['content-length'];
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // llhttp reports Content-Length with Transfer-Encoding under this code too.
      return CONTENT_LENGTH_FIELD.test(currentRequest(err)) ? RULES['content-length'] : RULES['transfer-encoding-not-chunked'];
    case 'HPE_INVALID_CHUNK_SIZE':
      return RULES['chunked-framing'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return RULES['chunk-extensions-too-large'];
    default:
      return RULES['request-line'];
  }
}

interface Position {
  /** The packet's text from the start of the request being parsed (8 KiB at most). */
  readonly text: string;
  /** How much of `text` the parser had consumed when it stopped. */
  readonly parsed: number;
}

/** Where the request being parsed starts in the packet: after the previous head's blank line, if the packet holds one before the error. */
function position(err: ParserError): Position {
  const raw = err.rawPacket;
  if (raw === undefined) return { text: '', parsed: 0 };
  const end = Math.min(raw.length, err.bytesParsed ?? raw.length);
  const previous = end > 0 ? raw.lastIndexOf('\r\n\r\n', end - 1) : -1;
  const start = previous === -1 || previous + 4 > end ? 0 : previous + 4;
  return { text: raw.subarray(start, Math.min(raw.length, start + 8192)).toString('latin1'), parsed: end - start };
}

function currentRequest(err: ParserError): string {
  return position(err).text;
}

/**
 * The request line, when it ended within the parsed bytes; undefined when the parser stopped
 * before the line ended (the request line itself overflowed: 414, as nginx answers, not 431).
 * A continuation packet (TCP and TLS deliver a long head in pieces) is judged by whether it holds
 * whitespace.
 */
function requestLine(err: ParserError): string | undefined {
  const { text, parsed } = position(err);
  const newline = text.indexOf('\n');
  if (newline !== -1 && newline < Math.max(parsed, 1)) return text.slice(0, newline);
  if (newline !== -1 && err.code !== 'HPE_HEADER_OVERFLOW') return text.slice(0, newline);
  if (/^[A-Z]+ \S/.test(text)) return undefined;
  // A packet that starts mid-head with no line end before the overflow: a request target holds no
  // whitespace, header lines almost always do (`name: value`, `a=b; c=d`). A long whitespace-free
  // header value is taken as a target: either way the answer is a refusal that closes.
  return /[ \t]/.test(text.slice(0, Math.max(parsed, 1))) ? '' : undefined;
}

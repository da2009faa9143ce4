/**
 * The rules of the request-head gate, as data: every reason a tsgi server refuses a request
 * before an app or an upstream sees it, with the one status every server answers. Some rules are
 * enforced by node's parser (llhttp) and only mapped here (`by: 'parser'`); the rest are checked
 * by {@link admitRequest} on the head node:http hands over (`by: 'gate'`). The README's table is
 * generated from this one (`readme.test.ts` fails when they drift).
 * @module
 */

/** Who enforces a rule: llhttp while parsing (mapped from its error code), or the gate afterwards. */
export type RuleEnforcer = 'parser' | 'gate';

/** One rule of the gate. */
export interface HeadRuleSpec {
  /** The status every tsgi server answers (RFC 9110 section 15). */
  readonly status: 400 | 408 | 413 | 414 | 431 | 501 | 505;
  readonly by: RuleEnforcer;
  /** What the rule refuses, for logs and docs. */
  readonly reason: string;
  /** Where the rule comes from. */
  readonly rfc: string;
}

/**
 * Every rule, by its stable code. A refusal always closes the connection (RFC 9112 section 9.6):
 * once a head is refused, what follows it on the connection cannot be trusted to be framed as the
 * client meant.
 */
export const HEAD_RULES = {
  'request-line': { status: 400, by: 'parser', reason: 'malformed request line (method, target or version syntax)', rfc: 'RFC 9112 §3' },
  'method-not-implemented': { status: 501, by: 'parser', reason: 'a well-formed request line whose method the server does not implement (CONNECT, or one node does not know)', rfc: 'RFC 9110 §9.1' },
  'http-version': { status: 505, by: 'gate', reason: 'HTTP major version other than 1 on an HTTP/1 connection', rfc: 'RFC 9110 §15.6.6' },
  'http-0.9': { status: 400, by: 'gate', reason: 'an HTTP/0.9 request line (no version)', rfc: 'RFC 9112 §2.3' },
  'request-line-too-long': { status: 414, by: 'gate', reason: 'request line longer than the limit', rfc: 'RFC 9112 §3' },
  'too-many-headers': { status: 431, by: 'gate', reason: 'more header fields than the limit', rfc: 'RFC 6585 §5' },
  'header-too-large': { status: 431, by: 'gate', reason: 'a header field (or the whole head) larger than the limit', rfc: 'RFC 6585 §5' },
  'header-syntax': { status: 400, by: 'parser', reason: 'malformed header field: bad name or value bytes (NUL, CR, LF, controls), obs-fold, bare LF, space before the colon', rfc: 'RFC 9112 §5, §2.2' },
  'missing-host': { status: 400, by: 'gate', reason: 'HTTP/1.1 request without a Host field', rfc: 'RFC 9112 §3.2' },
  'duplicate-host': { status: 400, by: 'gate', reason: 'more than one Host field', rfc: 'RFC 9112 §3.2' },
  'invalid-host': { status: 400, by: 'gate', reason: 'Host (or the absolute-form authority) is not host[:port] with a port of 0-65535', rfc: 'RFC 9112 §3.2, RFC 3986 §3.2' },
  'target-form': { status: 400, by: 'gate', reason: 'request target neither origin-form, http(s) absolute-form without userinfo, nor * for OPTIONS', rfc: 'RFC 9112 §3.2, RFC 9110 §4.2.4' },
  'target-escapes-root': { status: 400, by: 'gate', reason: 'dot segments in the path climb above /', rfc: 'RFC 3986 §5.2.4' },
  'content-length': { status: 400, by: 'parser', reason: 'Content-Length not a decimal number, or several that differ, or with Transfer-Encoding', rfc: 'RFC 9112 §6.3' },
  'transfer-encoding-http10': { status: 400, by: 'gate', reason: 'Transfer-Encoding in an HTTP/1.0 request', rfc: 'RFC 9112 §6.1' },
  'transfer-encoding-not-chunked': { status: 400, by: 'gate', reason: 'Transfer-Encoding whose final coding is not chunked, or chunked more than once', rfc: 'RFC 9112 §6.3, §7' },
  'transfer-encoding-unknown': { status: 501, by: 'gate', reason: 'a transfer coding other than chunked (gzip, chunked)', rfc: 'RFC 9112 §6.1' },
  'chunked-framing': { status: 400, by: 'parser', reason: 'malformed chunked body (size, extension, line ending)', rfc: 'RFC 9112 §7.1' },
  'chunk-extensions-too-large': { status: 413, by: 'parser', reason: 'chunk extensions larger than node allows (16 KiB)', rfc: 'RFC 9112 §7.1.1' },
  'after-close': { status: 400, by: 'gate', reason: 'a request pipelined behind a response that closes the connection (node parsed it ahead; it is never answered)', rfc: 'RFC 9112 §9.6' },
  'head-timeout': { status: 408, by: 'parser', reason: 'the head did not arrive within the header timeout', rfc: 'RFC 9110 §15.5.9' },
} as const satisfies Record<string, HeadRuleSpec>;

/** A rule's stable code, e.g. `'duplicate-host'`. */
export type HeadRuleCode = keyof typeof HEAD_RULES;

/** A rule with its code: what {@link admitRequest} returns for a refused head. */
export interface HeadRule extends HeadRuleSpec {
  readonly code: HeadRuleCode;
}

/** The rules as objects with their codes, made once (a refusal allocates nothing). */
export const RULES: { readonly [C in HeadRuleCode]: HeadRule } = Object.freeze(
  Object.fromEntries(Object.entries(HEAD_RULES).map(([code, spec]) => [code, Object.freeze({ code, ...spec })])),
) as { readonly [C in HeadRuleCode]: HeadRule };

/** The reason phrase of each status the gate answers. */
export const STATUS_TEXT: { readonly [S in HeadRuleSpec['status']]: string } = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/**
 * The one log line every server writes for a refusal, at info level: the client's fault, not
 * the server's.
 *
 * @example
 * ```ts
 * refusalMessage(RULES['duplicate-host']); // 'request refused by rule duplicate-host (400): more than one Host field'
 * ```
 */
export function refusalMessage(rule: HeadRule, detail?: string): string {
  return `request refused by rule ${rule.code} (${rule.status}): ${rule.reason}${detail ? `; ${detail}` : ''}`;
}

/**
 * The rule table as Markdown, for the README (readme.test.ts keeps the two equal).
 *
 * @example
 * ```ts
 * console.log(renderRulesMarkdown());
 * ```
 */
export function renderRulesMarkdown(): string {
  const rows = Object.entries(HEAD_RULES).map(([code, r]) => `| \`${code}\` | ${r.status} | ${r.by === 'parser' ? 'llhttp' : 'gate'} | ${r.reason} | ${r.rfc} |`);
  return ['| rule | status | enforced by | refuses | source |', '|---|---|---|---|---|', ...rows].join('\n');
}

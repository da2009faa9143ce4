/**
 * Conditional requests, evaluated in the order RFC 9110 section 13.2.2 prescribes:
 *
 * 1. If-Match (strong comparison, 13.1.1): no match -> 412.
 * 2. else If-Unmodified-Since (13.1.4): modified after the date -> 412.
 * 3. If-None-Match (weak comparison, 13.1.2): a match -> 304 for GET/HEAD (412 otherwise).
 * 4. else If-Modified-Since (13.1.3), GET/HEAD only: not modified since the date -> 304.
 * 5. If-Range (13.1.5) decides later whether a Range header is honoured (see {@link ifRangeHolds}).
 *
 * Invalid dates make their header ignored (13.1.3, 13.1.4).
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpDate } from './http-date.js';

/** The validators of the representation selected for this request. */
export interface Validators {
  /** The entity-tag as sent, quotes included (`"5f3a-400"` or `W/"5f3a-400"`), or undefined. */
  readonly etag: string | undefined;
  /** Last modification, whole seconds, or undefined when no Last-Modified is sent. */
  readonly lastModified: number | undefined;
  /** The Last-Modified value as sent (for a cheap equality check first). */
  readonly lastModifiedText: string | undefined;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'failed';

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * True when `etag` is in the comma-separated entity-tag list `header` (or `header` is `*`).
 * Strong comparison (RFC 9110 8.8.3.2) requires both tags to be strong.
 */
export function etagListMatches(header: string, etag: string, weak: boolean): boolean {
  if (header === etag) return weak || !etag.startsWith('W/');
  const h = header.trim();
  if (h === '*') return true;
  const mine = opaque(etag);
  const mineWeak = etag.startsWith('W/');
  if (!weak && mineWeak) return false;
  const re = /(W\/)?("[^"]*")/g;
  for (let m = re.exec(h); m !== null; m = re.exec(h)) {
    if (!weak && m[1] !== undefined) continue;
    if (m[2] === mine) return true;
  }
  return false;
}

function notModifiedSince(header: string, v: Validators): boolean | undefined {
  if (v.lastModified === undefined) return undefined;
  if (header === v.lastModifiedText) return true;
  const date = parseHttpDate(header);
  if (date === undefined) return undefined;
  return v.lastModified <= date;
}

/**
 * Evaluates the preconditions of a GET or HEAD (RFC 9110 13.2.2).
 *
 * @example
 * ```ts
 * evaluatePreconditions({ 'if-none-match': '"a"' }, { etag: '"a"', lastModified: 1, lastModifiedText: undefined });
 * // 'not-modified'
 * ```
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, v: Validators): PreconditionOutcome {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (v.etag === undefined ? ifMatch.trim() !== '*' : !etagListMatches(ifMatch, v.etag, false)) return 'failed';
  } else {
    const ius = headers['if-unmodified-since'];
    if (ius !== undefined && notModifiedSince(ius, v) === false) return 'failed';
  }
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    if (v.etag === undefined ? inm.trim() === '*' : etagListMatches(inm, v.etag, true)) return 'not-modified';
    return 'proceed';
  }
  const ims = headers['if-modified-since'];
  if (ims !== undefined && notModifiedSince(ims, v) === true) return 'not-modified';
  return 'proceed';
}

/**
 * If-Range (RFC 9110 13.1.5): the Range is honoured only when the validator still matches —
 * an entity-tag by strong comparison, or a date that equals Last-Modified exactly.
 */
export function ifRangeHolds(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.endsWith('"')) {
    return v.etag !== undefined && !v.etag.startsWith('W/') && !value.startsWith('W/') && value === v.etag;
  }
  if (v.lastModified === undefined) return false;
  if (value === v.lastModifiedText) return true;
  const date = parseHttpDate(value);
  return date !== undefined && date === v.lastModified;
}

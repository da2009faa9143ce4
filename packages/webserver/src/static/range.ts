/**
 * Byte ranges (RFC 9110 section 14), with nginx's policy for sets of ranges
 * (`ngx_http_range_parse`):
 *
 * - a unit other than `bytes` -> the Range header is ignored (200);
 * - a syntactically invalid range-spec (`bytes=5-2`, `bytes=x`) -> ignored (200). RFC 9110
 *   14.1.1 says the recipient MUST ignore it; nginx answers 416 there (documented difference);
 * - specs that start past the end are dropped; none left -> 416 with `Content-Range: bytes *\/size`;
 * - more than `maxRanges` satisfiable ranges -> ignored (200), as nginx's `max_ranges`;
 * - ranges whose lengths add up to more than the file (overlap abuse) -> ignored (200);
 * - a range on an empty file -> 200.
 *
 * Ranges are kept in the order asked and are not merged, as nginx does.
 * @module
 */

/** One satisfiable range: `start` and `end` inclusive, as Content-Range writes them. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeOutcome =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

const IGNORE: RangeOutcome = { kind: 'ignore' };
const UNSATISFIABLE: RangeOutcome = { kind: 'unsatisfiable' };
const SPEC = /^(?:(\d+)[ \t]*-[ \t]*(\d*)|-[ \t]*(\d+))$/;

/**
 * Parses a Range header against a representation of `size` bytes.
 *
 * @example
 * ```ts
 * parseRange('bytes=0-99,-100', 1000, 16);
 * // { kind: 'ranges', ranges: [{ start: 0, end: 99 }, { start: 900, end: 999 }] }
 * parseRange('bytes=2000-', 1000, 16); // { kind: 'unsatisfiable' }
 * ```
 */
export function parseRange(header: string, size: number, maxRanges: number): RangeOutcome {
  if (header.length < 7 || header.slice(0, 6).toLowerCase() !== 'bytes=') return IGNORE;
  const parts = header.slice(6).split(',');
  const ranges: ByteRange[] = [];
  let total = 0;
  let specs = 0;
  for (const part of parts) {
    const p = part.trim();
    if (p === '') continue; // RFC 9110 5.6.1: empty list elements are allowed and ignored
    const m = SPEC.exec(p);
    if (m === null) return IGNORE;
    specs++;
    let start: number;
    let end: number; // exclusive
    if (m[3] !== undefined) {
      const suffix = Number(m[3]);
      start = suffix < size ? size - suffix : 0;
      end = size;
    } else {
      start = Number(m[1]);
      if (m[2] === '') end = size;
      else {
        const last = Number(m[2]);
        if (last < start) return IGNORE; // RFC 9110 14.1.1: invalid range-spec
        end = last >= size ? size : last + 1;
      }
    }
    if (start < end) {
      ranges.push({ start, end: end - 1 });
      total += end - start;
      if (ranges.length > maxRanges) return IGNORE;
    } else if (start === 0) {
      return IGNORE; // an empty representation: nginx sends it whole
    }
  }
  if (specs === 0) return IGNORE;
  if (ranges.length === 0) return UNSATISFIABLE;
  if (total > size) return IGNORE;
  return { kind: 'ranges', ranges };
}

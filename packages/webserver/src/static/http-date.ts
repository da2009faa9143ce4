/**
 * HTTP dates (RFC 9110 section 5.6.7): IMF-fixdate out; IMF-fixdate, RFC 850 and asctime in.
 * Anything else is "not a valid HTTP-date", and the conditional header carrying it is ignored
 * (RFC 9110 13.1.3, 13.1.4). `Date.parse` is not used: it accepts far more and reads asctime
 * in the local time zone.
 * @module
 */

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function build(y: number, mon: string | undefined, d: number, h: number, mi: number, s: number): number | undefined {
  const m = mon === undefined ? undefined : MONTHS[mon];
  if (m === undefined || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return Date.UTC(y, m, d, h, mi, Math.min(s, 59)) / 1000;
}

/**
 * Parses an HTTP-date to whole seconds since the epoch, or undefined when invalid.
 *
 * @example
 * ```ts
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'); // 784111777
 * parseHttpDate('yesterday');                       // undefined
 * ```
 */
export function parseHttpDate(value: string): number | undefined {
  const v = value.trim();
  let m = IMF.exec(v);
  if (m !== null) return build(Number(m[3]), m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(v);
  if (m !== null) {
    // RFC 9110 5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const yy = Number(m[3]);
    const nowYear = new Date().getUTCFullYear();
    let y = Math.floor(nowYear / 100) * 100 + yy;
    if (y > nowYear + 50) y -= 100;
    return build(y, m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(v);
  if (m !== null) return build(Number(m[6]), m[1], Number((m[2] as string).trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/** Formats whole seconds since the epoch as an IMF-fixdate. */
export function formatHttpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** Whole seconds since the epoch, now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

let cachedKey = '';
let cachedValue = '';
/** `Expires` for `seconds` from now (negative: the past, as nginx `expires epoch`); formatted once a second. */
export function expiresAt(seconds: number): string {
  if (seconds < 0) return 'Thu, 01 Jan 1970 00:00:01 GMT';
  const now = nowSeconds();
  const key = `${now}:${seconds}`;
  if (key !== cachedKey) {
    cachedKey = key;
    cachedValue = formatHttpDate(now + seconds);
  }
  return cachedValue;
}

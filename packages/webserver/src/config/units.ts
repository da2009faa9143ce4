/**
 * nginx-style units for sizes and durations, so a config reads like the nginx one it replaces:
 * sizes `512`, `8k`, `1m`, `1g` (binary multiples, as nginx), durations `500ms`, `60s`, `5m`,
 * `1h`, `1d` (a bare number is seconds, as in nginx).
 * @module
 */

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
const TIME_UNITS: Readonly<Record<string, number>> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/**
 * Bytes from `1024`, `"8k"`, `"1m"`, `"2g"`; undefined when the text is not a size.
 * @example parseSize('1m') // 1048576
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const mult = SIZE_UNITS[m[2]!.toLowerCase()];
  if (mult === undefined) return undefined;
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Milliseconds from `60` (seconds), `"60s"`, `"500ms"`, `"1h30m"`; undefined when not a duration.
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let total = 0;
  let rest = value.trim().toLowerCase();
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?\s*/.exec(rest);
    if (!m || m[0] === '') return undefined;
    total += Number(m[1]) * TIME_UNITS[m[2] ?? '']!;
    rest = rest.slice(m[0].length);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

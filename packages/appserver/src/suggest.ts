/**
 * "Did you mean ...?" for misspelled options and config keys.
 * @module
 */

/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * The closest candidate to `given` (case-insensitive, `_`/`-` ignored), or undefined when none is close.
 *
 * @example
 * ```ts
 * suggestKey('worker', ['workers', 'bind']); // 'workers'
 * ```
 */
export function suggestKey(given: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const g = norm(given);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(g.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(g, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

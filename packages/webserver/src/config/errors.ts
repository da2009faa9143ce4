/**
 * Configuration errors: every one names the file, the line and the key, and says what is allowed,
 * the way `nginx -t` does ("... in /etc/nginx/nginx.conf:12").
 * @module
 */

/** Stable codes, for tests and for tools that read `--test-config` output. */
export type ConfigErrorCode =
  | 'WS_CONFIG_READ'
  | 'WS_CONFIG_SYNTAX'
  | 'WS_CONFIG_UNKNOWN_KEY'
  | 'WS_CONFIG_BAD_VALUE'
  | 'WS_CONFIG_MISSING'
  | 'WS_CONFIG_CONFLICT';

/**
 * A configuration mistake, located.
 * @example
 * ```ts
 * try { loadConfigText(text, 'site.toml'); }
 * catch (e) { if (e instanceof ConfigError) console.error(e.message); } // site.toml:3: ...
 * ```
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly key: string | undefined;
  constructor(code: ConfigErrorCode, file: string, line: number | undefined, key: string | undefined, message: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${key === undefined ? '' : `${key}: `}${message}`);
    this.code = code;
    this.file = file;
    this.line = line;
    this.key = key;
  }
}

/** Thrown by a value parser; the loader adds file, line and key. */
export class ValueError extends Error {
  override readonly name = 'ValueError';
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

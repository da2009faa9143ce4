/**
 * Where each key sits in the TOML source. smol-toml reports positions for syntax errors only, so
 * for semantic errors (a bad value, an unknown key) this scan of the text maps the path of every
 * key (`server[0].location[1].root`) to its line. It understands the subset a config uses: table
 * headers `[a]`, `[a.b]`, arrays of tables `[[a]]`, `[[a.b]]`, and `key = value` lines, including
 * dotted and quoted keys; anything inside an inline table or a multi-line value maps to the line
 * of its key.
 * @module
 */

/** A map from key paths to 1-based lines, with a lookup that falls back to the nearest parent. */
export class SourceLines {
  readonly #lines = new Map<string, number>();

  constructor(text: string) {
    const counters = new Map<string, number>();
    let table = '';
    let inMultiline: string | undefined;
    const src = text.split(/\r?\n/);
    for (let i = 0; i < src.length; i++) {
      const line = src[i]!;
      if (inMultiline !== undefined) {
        if (line.includes(inMultiline)) inMultiline = undefined;
        continue;
      }
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const aot = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(trimmed);
      if (aot) {
        const names = splitKey(aot[1]!);
        // The index of `[[server.location]]` is counted within its current parent `server[i]`.
        const parent = resolveParent(names.slice(0, -1), counters);
        const base = (parent ? `${parent}.` : '') + names[names.length - 1]!;
        const n = counters.get(base) ?? 0;
        counters.set(base, n + 1);
        table = `${base}[${n}]`;
        this.#lines.set(table, i + 1);
        continue;
      }
      const std = /^\[\s*([^\]]+?)\s*\]/.exec(trimmed);
      if (std) {
        const names = splitKey(std[1]!);
        const parent = resolveParent(names.slice(0, -1), counters);
        table = (parent ? `${parent}.` : '') + names[names.length - 1]!;
        this.#lines.set(table, i + 1);
        continue;
      }
      const kv = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$/.exec(trimmed);
      if (kv) {
        const path = (table ? `${table}.` : '') + splitKey(kv[1]!).join('.');
        if (!this.#lines.has(path)) this.#lines.set(path, i + 1);
        const value = kv[2]!.trim();
        for (const q of ['"""', "'''"]) {
          if (value.startsWith(q) && value.indexOf(q, 3) === -1) inMultiline = q;
        }
        // A multi-line array: skip to its closing bracket, keeping the key's line.
        if (value.startsWith('[') && !balanced(value)) inMultiline = ']';
      }
    }
  }

  /** The line of `path`, or of its nearest ancestor that has one. */
  lineOf(path: string): number | undefined {
    let p = path;
    while (p !== '') {
      const line = this.#lines.get(p);
      if (line !== undefined) return line;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    return undefined;
  }
}

function splitKey(key: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key)) !== null && m[0] !== '') out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function resolveParent(names: readonly string[], counters: ReadonlyMap<string, number>): string {
  let path = '';
  for (const name of names) {
    const base = (path ? `${path}.` : '') + name;
    const n = counters.get(base);
    path = n === undefined ? base : `${base}[${n - 1}]`;
  }
  return path;
}

function balanced(value: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') break;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
  }
  return depth <= 0;
}

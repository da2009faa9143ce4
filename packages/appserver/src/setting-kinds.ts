/**
 * The kinds of value a setting can hold. Each kind parses a command-line string, checks a value
 * from a config file, says in words what it allows (for error messages and the docs), and
 * formats a value back for `--print-config`. Gunicorn's `validate_*` functions play this role.
 * @module
 */

/** Why a value was refused: the message says what is allowed (the caller adds key and value). */
export class KindError extends Error {
  override readonly name = 'KindError';
}

/** One kind of setting value. */
export interface SettingKind<T> {
  /** Short type name for the docs: `int`, `seconds`, `bytes`, `string`, `list`, `bool`, ... */
  readonly type: string;
  /** What is allowed, in words: "an integer from 1 to 1024". */
  readonly allowed: string;
  /** A flag that takes no argument on the command line (booleans). */
  readonly flag?: boolean;
  /** Repeated command-line occurrences add to a list instead of replacing it. */
  readonly repeatable?: boolean;
  /** Only settable in a config file (functions), never on the command line. */
  readonly configOnly?: boolean;
  /** Parses one command-line argument; `previous` is the value so far (for repeatable lists). */
  parse(text: string, previous: T | undefined): T;
  /** Checks a value given in a config file (already a JavaScript value). */
  check(value: unknown): T;
  /** Formats a value for `--print-config` and the docs. */
  format(value: T): string;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Describes a value as given, for "got ..." in error messages. */
export function describeValue(value: unknown): string {
  return show(value);
}

/** An integer within [min, max]. Accepts `0x`/`0o` prefixes on the command line. */
export function int(min: number, max: number): SettingKind<number> {
  const allowed = `an integer from ${min} to ${max}`;
  const check = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new KindError(allowed);
    return value;
  };
  return {
    type: 'int',
    allowed,
    parse: (text) => check(/^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN),
    check,
    format: (v) => String(v),
  };
}

/** A file-mode style octal number such as `0o022`, `022` or `0022` (on the command line). */
export function octal(max: number): SettingKind<number | null> {
  const allowed = `an octal number from 0 to ${max.toString(8)} (e.g. 022 or 0o022)`;
  const check = (value: unknown): number | null => {
    if (value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new KindError(allowed);
    return value;
  };
  return {
    type: 'octal',
    allowed,
    parse: (text) => {
      const m = /^(?:0o)?([0-7]+)$/i.exec(text.trim());
      return check(m ? Number.parseInt(m[1]!, 8) : Number.NaN);
    },
    check,
    format: (v) => (v === null ? 'unset' : `0o${v.toString(8).padStart(3, '0')}`),
  };
}

/** A duration in seconds (decimals allowed); stored as seconds. `0` means "no limit" when allowed. */
export function seconds(max: number): SettingKind<number> {
  const allowed = `a number of seconds from 0 to ${max}`;
  const check = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) throw new KindError(allowed);
    return value;
  };
  return {
    type: 'seconds',
    allowed,
    parse: (text) => check(/^\d+(\.\d+)?s?$/.test(text.trim()) ? Number.parseFloat(text.trim()) : Number.NaN),
    check,
    format: (v) => `${v}`,
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** A size in bytes; the command line also takes `k`, `m` and `g` suffixes (powers of 1024). */
export function bytes(max: number): SettingKind<number> {
  const allowed = `a number of bytes from 0 to ${max} (suffixes k, m, g allowed on the command line)`;
  const check = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new KindError(allowed);
    return value;
  };
  return {
    type: 'bytes',
    allowed,
    parse: (text) => {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
      const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
      return check(m && unit !== undefined ? Number(m[1]) * unit : Number.NaN);
    },
    check,
    format: (v) => String(v),
  };
}

/** A boolean; on the command line a flag that takes no argument. */
export function bool(): SettingKind<boolean> {
  const check = (value: unknown): boolean => {
    if (typeof value !== 'boolean') throw new KindError('true or false');
    return value;
  };
  return { type: 'bool', allowed: 'true or false', flag: true, parse: () => true, check, format: (v) => String(v) };
}

/** A string, optionally checked by `test` (which returns an error text, or undefined when fine). */
export function string(allowed: string, test?: (s: string) => string | undefined): SettingKind<string> {
  const check = (value: unknown): string => {
    if (typeof value !== 'string') throw new KindError(allowed);
    const problem = test?.(value);
    if (problem !== undefined) throw new KindError(problem);
    return value;
  };
  return { type: 'string', allowed, parse: (text) => check(text), check, format: (v) => JSON.stringify(v) };
}

/** A string or `null` (unset). */
export function optionalString(allowed: string, test?: (s: string) => string | undefined): SettingKind<string | null> {
  const inner = string(allowed, test);
  return {
    type: 'string',
    allowed,
    parse: (text) => inner.parse(text, undefined),
    check: (value) => (value === null || value === undefined ? null : inner.check(value)),
    format: (v) => (v === null ? 'unset' : JSON.stringify(v)),
  };
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(choices: readonly T[], aliases: Record<string, T> = {}): SettingKind<T> {
  const allowed = `one of ${choices.join(', ')}`;
  const check = (value: unknown): T => {
    if (typeof value === 'string') {
      if ((choices as readonly string[]).includes(value)) return value as T;
      const alias = aliases[value];
      if (alias !== undefined) return alias;
    }
    throw new KindError(allowed);
  };
  return { type: choices.join('|'), allowed, parse: (text) => check(text), check, format: (v) => v };
}

/**
 * A list of strings. On the command line each occurrence adds to the list (`-b a -b b`) and
 * may itself hold comma-separated items when `commas` is set; the first occurrence replaces the
 * default. In a config file: an array of strings (or one comma-separated string when `commas`).
 */
export function list(itemAllowed: string, test: (s: string) => string | undefined, commas: boolean, allowEmpty = false): SettingKind<string[]> {
  const allowed = commas ? `a comma-separated list of ${itemAllowed}${allowEmpty ? ' ("" for none)' : ''}` : `${itemAllowed} (repeat the option for more)`;
  const checkItems = (items: string[]): string[] => {
    if (items.length === 0 && !allowEmpty) throw new KindError(`at least one ${itemAllowed}`);
    for (const item of items) {
      const problem = test(item);
      if (problem !== undefined) throw new KindError(`${JSON.stringify(item)}: ${problem}`);
    }
    return items;
  };
  const split = (s: string): string[] => (commas ? s.split(',').map((x) => x.trim()).filter((x) => x.length > 0) : [s]);
  return {
    type: 'list',
    allowed,
    repeatable: true,
    parse: (text, previous) => [...(previous ?? []), ...checkItems(split(text))],
    check: (value) => {
      if (typeof value === 'string') return checkItems(split(value));
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) throw new KindError(`an array of strings (${allowed})`);
      return checkItems(value as string[]);
    },
    format: (v) => v.join(','),
  };
}

/** A function, only settable in a config file (server hooks, like gunicorn.conf.py's). */
export function hook<F extends (...args: never[]) => unknown>(): SettingKind<F | null> {
  return {
    type: 'function',
    allowed: 'a function',
    configOnly: true,
    parse: () => {
      throw new KindError('a function (config file only)');
    },
    check: (value) => {
      if (value === null || value === undefined) return null;
      if (typeof value !== 'function') throw new KindError('a function');
      return value as F;
    },
    format: (v) => (v === null ? 'unset' : `<function ${v.name || 'anonymous'}>`),
  };
}

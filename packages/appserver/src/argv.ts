/**
 * Command-line parsing driven by the settings table: `--flag value`, `--flag=value`, `-w4`,
 * `-w 4`, repeatable lists, boolean flags, one positional APP and `--` to end options.
 * @module
 */
import { AppserverError } from './errors.js';
import { describeValue, KindError } from './setting-kinds.js';
import { suggestKey } from './suggest.js';
import { SETTING_NAMES, settingSpec, type AppserverSettings, type SettingName } from './settings.js';

/** What the command line asked for. */
export interface ParsedArgv {
  /** The settings given on the command line (only those). */
  readonly values: Partial<AppserverSettings>;
  readonly help: boolean;
  readonly version: boolean;
}

const FLAG_INDEX: ReadonlyMap<string, SettingName> = new Map(
  SETTING_NAMES.flatMap((name) => settingSpec(name).flags.map((flag) => [flag, name] as const)),
);

/** The closest known flag, for "did you mean" (Gunicorn users type --limit-request-field_size). */
export function suggestFlag(flag: string): string | undefined {
  const normalized = flag.replace(/_/g, '-');
  if (FLAG_INDEX.has(normalized)) return normalized;
  const long = [...FLAG_INDEX.keys(), '--help', '--version'].filter((f) => f.startsWith('--'));
  return suggestKey(normalized, long);
}

function usage(message: string): AppserverError {
  return new AppserverError('TSGI_APPSERVER_E_USAGE', `${message}\nRun tsgi-appserver --help for every option.`);
}

/**
 * Parses arguments (without the program name) into settings.
 * `source` names where they came from in error messages (e.g. `TSGI_APPSERVER_ARGS`).
 *
 * @example
 * ```ts
 * parseArgv(['-w', '2', '-b', ':8000', 'app.ts']).values; // { workers: 2, bind: [...], app: 'app.ts' }
 * ```
 */
export function parseArgv(argv: readonly string[], source = 'command line'): ParsedArgv {
  const values: Record<string, unknown> = {};
  let help = false;
  let version = false;
  let onlyPositionals = false;

  const assign = (name: SettingName, flag: string, text: string) => {
    const spec = settingSpec(name);
    try {
      values[name] = spec.kind.parse(text, values[name] as never);
    } catch (err) {
      if (!(err instanceof KindError)) throw err;
      const where = source === 'command line' ? '' : ` (in ${source})`;
      throw usage(`${flag}${where}: got ${describeValue(text)}; expected ${err.message}`);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      if (values.app !== undefined) {
        throw usage(`only one APP may be given; got ${describeValue(values.app)} and ${describeValue(arg)}${source === 'command line' ? '' : ` (in ${source})`}`);
      }
      assign('app', 'APP', arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '-v' || arg === '--version') {
      version = true;
      continue;
    }
    let flag = arg;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        flag = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
    } else if (arg.length > 2) {
      // Short option with its value attached: -w4, -b127.0.0.1:80 (getopt style).
      flag = arg.slice(0, 2);
      inline = arg.slice(2);
    }
    const name = FLAG_INDEX.get(flag);
    if (name === undefined) {
      const hint = suggestFlag(flag);
      throw usage(`unknown option ${flag}${source === 'command line' ? '' : ` (in ${source})`}${hint ? `; did you mean ${hint}?` : ''}`);
    }
    const spec = settingSpec(name);
    if (spec.kind.flag) {
      if (inline !== undefined) throw usage(`${flag} takes no value; got ${describeValue(inline)}`);
      assign(name, flag, '');
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= argv.length) throw usage(`${flag} needs a value: ${spec.kind.allowed}`);
      inline = argv[++i]!;
    }
    assign(name, flag, inline);
  }
  return { values: values as Partial<AppserverSettings>, help, version };
}

/**
 * Splits a string into arguments the way a POSIX shell would for simple cases: whitespace
 * separates, single and double quotes group, backslash escapes (GUNICORN_CMD_ARGS uses shlex).
 *
 * @example
 * ```ts
 * splitArgs(`-w 2 --access-logformat '%(h)s "%(r)s"'`); // ['-w', '2', '--access-logformat', '%(h)s "%(r)s"']
 * ```
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote !== undefined) throw usage(`TSGI_APPSERVER_ARGS: unclosed ${quote} quote in ${describeValue(text)}`);
  if (started) out.push(current);
  return out;
}

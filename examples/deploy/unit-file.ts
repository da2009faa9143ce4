/**
 * systemd unit files as the recipe tests read them: sections and keys (a key may repeat, e.g.
 * Environment=), comments dropped, and the recipes' /srv/mysite mapped to this checkout.
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the recipes' /srv/mysite is here: the demo project, served by the repository's packages. */
export const PROJECT = join(ROOT, 'examples/mysite');
export const BIN = join(ROOT, 'node_modules/.bin');

export type Unit = Map<string, Map<string, string[]>>;

/** A unit file's sections and keys (a key may repeat, e.g. Environment=); comments dropped. */
export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section !== undefined && eq > 0, `not a unit file line: ${line}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

/** The one value of `key` in `[section]` (asserting there is exactly one). */
export const one = (unit: Unit, section: string, key: string): string => {
  const values = unit.get(section)?.get(key) ?? [];
  assert.equal(values.length, 1, `[${section}] ${key}= once`);
  return values[0]!;
};

/** The unit with /srv/mysite mapped to this machine's paths. */
export const mapPaths = (text: string): string => text.replaceAll('/srv/mysite/node_modules/.bin/', `${BIN}/`).replaceAll('/srv/mysite', PROJECT);

/**
 * An ExecStart= command line as the argv systemd runs: words split on spaces, "double quotes"
 * keep spaces (with \" and \\ escapes inside), and %% is a literal % (systemd.unit specifiers).
 */
export function execArgs(line: string): string[] {
  const args: string[] = [];
  const word = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = word.exec(line); m !== null; m = word.exec(line)) {
    const text = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    args.push(text.replaceAll('%%', '%'));
  }
  return args;
}

/** The value after `flag` in argv, or undefined. */
export const flagValue = (argv: readonly string[], flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1];
};

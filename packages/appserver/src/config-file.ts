/**
 * Loading `tsgi.config.ts` (gunicorn.conf.py's role): a module whose default export is
 * `defineConfig({...})`, imported through tsx so TypeScript needs no build step. Every key is
 * checked against the settings table; an error names the file, the line, the key, the value
 * given and what is allowed.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppserverError, errorText } from './errors.js';
import { moduleExports } from './module-format.js';
import { describeValue, KindError } from './setting-kinds.js';
import { SETTING_NAMES, settingSpec, type AppserverConfig, type AppserverSettings, type SettingName } from './settings.js';
import { suggestKey } from './suggest.js';

/** The file looked for in the working directory when no `-c` is given. */
export const DEFAULT_CONFIG_FILES = ['tsgi.config.ts', 'tsgi.config.mts', 'tsgi.config.js', 'tsgi.config.mjs'] as const;

/**
 * Types a config file and checks its keys at compile time; returns its argument unchanged.
 *
 * @example
 * ```ts
 * // tsgi.config.ts
 * import { defineConfig } from 'tsgi-appserver';
 * export default defineConfig({
 *   app: 'src/app.ts:application',
 *   bind: ['0.0.0.0:8000'],
 *   workers: 4,
 *   accessLogfile: '-',
 * });
 * ```
 */
export function defineConfig<const T extends AppserverConfig>(config: T): T {
  return config;
}

/** Finds the config file to use: the one given, else the first default present, else none. */
export function findConfigFile(given: string | null, cwd: string): string | null {
  if (given !== null) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `-c/--config: ${given}: no such file`);
    return path;
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The 1-based line where `key` is first written in `source`, if it can be found. */
function lineOf(source: string | undefined, key: string): number | undefined {
  if (source === undefined) return undefined;
  const match = new RegExp(`(^|[\\s{,])['"]?${key}['"]?\\s*[:(]`, 'm').exec(source);
  if (match === null) return undefined;
  return source.slice(0, match.index + match[1]!.length).split('\n').length;
}

/**
 * Checks a config object against the settings table and returns the settings it sets.
 * `file` and `source` (the file's text) make error messages point at the line.
 */
export function checkConfig(config: unknown, file: string, source?: string): Partial<AppserverSettings> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new AppserverError(
      'TSGI_APPSERVER_E_CONFIG',
      `${file}: the default export must be an object such as export default defineConfig({ workers: 2 }); got ${describeValue(config)}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const line = lineOf(source, key);
    const where = `${file}${line === undefined ? '' : `:${line}`}`;
    if (!(SETTING_NAMES as string[]).includes(key)) {
      const hint = suggestKey(key, SETTING_NAMES);
      throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `${where}: unknown setting "${key}"${hint ? `; did you mean "${hint}"?` : ''}`);
    }
    const spec = settingSpec(key as SettingName);
    if (spec.cliOnly) {
      throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `${where}: "${key}" can only be given on the command line (${spec.flags.join('/')})`);
    }
    if (value === undefined) continue;
    try {
      out[key] = spec.kind.check(value);
    } catch (err) {
      if (!(err instanceof KindError)) throw err;
      throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `${where}: ${key}: got ${describeValue(value)}; expected ${err.message}`);
    }
  }
  return out as Partial<AppserverSettings>;
}

/** Imports a config file (TypeScript through tsx) and checks it. */
export async function loadConfigFile(path: string): Promise<Partial<AppserverSettings>> {
  let mod: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    mod = moduleExports((await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>);
  } catch (err) {
    const detail = errorText(err);
    throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `${path}: cannot load the config file:\n${detail}`, { cause: err });
  }
  let config = 'default' in mod ? mod.default : undefined;
  if (config === undefined) {
    throw new AppserverError('TSGI_APPSERVER_E_CONFIG', `${path}: no default export; write export default defineConfig({ ... })`);
  }
  if (typeof config === 'function') config = await (config as () => unknown)();
  let source: string | undefined;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    source = undefined;
  }
  return checkConfig(config, path, source);
}

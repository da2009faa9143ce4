/**
 * The effective settings, merged as Gunicorn merges them: defaults, then the config file, then
 * `TSGI_APPSERVER_ARGS`, then the command line (each overrides the previous), then checked as
 * a whole (settings that need each other).
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgv, splitArgs } from './argv.js';
import { findConfigFile, loadConfigFile } from './config-file.js';
import { AppserverError } from './errors.js';
import { defaultSettings, type AppserverSettings } from './settings.js';

/** The environment variable holding extra arguments (GUNICORN_CMD_ARGS's role). */
export const ARGS_ENV = 'TSGI_APPSERVER_ARGS';

/** The outcome of reading the command line, the environment and the config file. */
export interface ResolvedSettings {
  readonly settings: AppserverSettings;
  /** The config file loaded, if any (absolute path). */
  readonly configFile: string | null;
  readonly help: boolean;
  readonly version: boolean;
}

/** Options for {@link resolveSettings}. */
export interface ResolveOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Reads and checks every source of settings.
 *
 * @example
 * ```ts
 * const { settings } = await resolveSettings(['-w', '2', 'app.ts']);
 * ```
 */
export async function resolveSettings(argv: readonly string[], options: ResolveOptions = {}): Promise<ResolvedSettings> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const cli = parseArgv(argv);
  const envText = env[ARGS_ENV];
  const fromEnv = envText !== undefined && envText.trim() !== '' ? parseArgv(splitArgs(envText), ARGS_ENV) : undefined;
  if (cli.help || cli.version || fromEnv?.help || fromEnv?.version) {
    return { settings: defaultSettings(), configFile: null, help: cli.help || !!fromEnv?.help, version: cli.version || !!fromEnv?.version };
  }
  const configFile = findConfigFile(cli.values.config ?? fromEnv?.values.config ?? null, cwd);
  const fromFile = configFile === null ? {} : await loadConfigFile(configFile);
  const settings = { ...defaultSettings(), ...fromFile, ...fromEnv?.values, ...cli.values, config: configFile };
  checkTogether(settings, cwd);
  return { settings, configFile, help: false, version: false };
}

/** Checks settings that depend on each other. */
export function checkTogether(settings: AppserverSettings, cwd: string = process.cwd()): void {
  if ((settings.certfile === null) !== (settings.keyfile === null)) {
    const [given, missing] = settings.certfile === null ? ['--keyfile', '--certfile'] : ['--certfile', '--keyfile'];
    throw new AppserverError('TSGI_APPSERVER_E_USAGE', `${given} needs ${missing} too: TLS needs both a certificate and its private key`);
  }
  for (const [flag, file] of [['--certfile', settings.certfile], ['--keyfile', settings.keyfile]] as const) {
    if (file !== null && !existsSync(resolve(cwd, file))) throw new AppserverError('TSGI_APPSERVER_E_USAGE', `${flag}: got ${JSON.stringify(file)}; no such file`);
  }
  if (settings.reloadExtraFiles.length > 0 && !settings.reload) {
    throw new AppserverError('TSGI_APPSERVER_E_USAGE', '--reload-extra-file needs --reload: the extra files are watched only while reloading is on');
  }
  for (const file of settings.reloadExtraFiles) {
    if (!existsSync(resolve(cwd, file))) throw new AppserverError('TSGI_APPSERVER_E_USAGE', `--reload-extra-file: got ${JSON.stringify(file)}; no such file or directory`);
  }
}

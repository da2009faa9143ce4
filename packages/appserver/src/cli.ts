/**
 * The `tsgi-appserver` command: reads the settings (command line, TSGI_APPSERVER_ARGS, config
 * file), answers --help/--version/--print-config/--check-config, else runs the arbiter.
 * @module
 */
import { Arbiter } from './arbiter.js';
import { resolveSettings } from './config.js';
import { AppserverError, errorText } from './errors.js';
import { renderHelp, renderSettings, USAGE } from './help.js';
import { createServerLogger } from './logger.js';
import { VERSION } from './version.js';

/**
 * Runs the command with `argv` (without node and the script) and resolves with the exit status.
 *
 * @example
 * ```ts
 * import { main } from 'tsgi-appserver';
 * process.exitCode = await main(['-w', '2', 'app.ts:application']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { settings, help, version } = await resolveSettings(argv);
    if (help) {
      process.stdout.write(`${renderHelp(VERSION)}\n`);
      return 0;
    }
    if (version) {
      process.stdout.write(`tsgi-appserver ${VERSION} (node ${process.version})\n`);
      return 0;
    }
    if (settings.printConfig) {
      process.stdout.write(`${renderSettings(settings)}\n`);
      return 0;
    }
    if (settings.app === null) {
      throw new AppserverError('TSGI_APPSERVER_E_USAGE', `no APP given. Usage: ${USAGE}, e.g. tsgi-appserver src/app.ts:application (or set app in tsgi.config.ts)`);
    }
    // The loader (and through it tsgi and node's undici) is imported only where this process
    // loads the app: the master of a plain run never does. Measured idle (bench `idle` rows,
    // 2026-12-06, with the access log's import of tsgi gone too): 66.5 -> 49.3 MB of RSS on
    // Node 20, 73.3 -> 54.6 MB on Node 24.
    if (settings.checkConfig) {
      const { loadApp } = await import('./loader.js');
      const loaded = await loadApp(settings.app, process.cwd(), settings.interface);
      process.stdout.write(`Config OK${settings.config ? ` (${settings.config})` : ''}; app ${loaded.file}:${loaded.attribute} is a ${loaded.interface === 'tsgi' ? 'TSGI' : 'Node (req, res)'} app: ${loaded.reason}\n`);
      return 0;
    }
    const log = createServerLogger(settings.errorLogfile, settings.logLevel);
    try {
      const preloadFailed = settings.preload ? await (await import('./preload.js')).preloadApp(settings, log) : undefined;
      if (preloadFailed !== undefined) return preloadFailed;
      const reload = async () => (await resolveSettings(argv)).settings;
      const arbiter = new Arbiter(settings, log, reload);
      const reloader = settings.reload ? await (await import('./reloader.js')).startReloader(settings, log, () => arbiter.requestReload()) : undefined;
      try {
        return await arbiter.run();
      } finally {
        reloader?.close();
      }
    } finally {
      await log.close();
    }
  } catch (err) {
    if (err instanceof AppserverError) {
      process.stderr.write(`tsgi-appserver: error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`tsgi-appserver: unexpected error: ${errorText(err)}\n`);
    return 1;
  }
}

/**
 * `--preload` (Gunicorn's preload_app): the master imports the app before it binds the sockets
 * and forks the workers.
 *
 * What it gives, with child_process.fork (a new Node process per worker, no fork() and so no
 * copy-on-write sharing):
 * - fail fast: an import error, a missing export or a value that is not an app is reported by the
 *   master, before any socket is bound or worker started (exit 4);
 * - module-level code runs in the master first, once per server start: a cache file warmed there is
 *   ready before any worker starts. Workers import the app again, so code that must run only once
 *   checks `process.env.TSGI_APPSERVER_WORKER_ID`, which is set in workers only.
 *
 * What it does not give: memory savings or faster worker boots (each worker imports its own copy),
 * and a new copy in the master on HUP: HUP re-reads the settings and restarts the workers, which
 * import the files as they are then, while the master keeps the module it imported at start (Node
 * caches ES modules for the life of the process; restart the server for that).
 * @module
 */
import { AppserverError, ERROR_CODES, errorText } from './errors.js';
import { loadApp } from './loader.js';
import type { ServerLogger } from './logger.js';
import type { AppserverSettings } from './settings.js';

/**
 * Imports the app in this (the master) process. Resolves with undefined when it loaded, or with the
 * exit status to stop with after logging why.
 *
 * @example
 * ```ts
 * const failed = settings.preload ? await preloadApp(settings, log) : undefined;
 * if (failed !== undefined) return failed;
 * ```
 */
export async function preloadApp(settings: AppserverSettings, log: ServerLogger): Promise<number | undefined> {
  if (settings.app === null) return undefined;
  log.info('Preloading the app in the master: %s', settings.app);
  try {
    const loaded = await loadApp(settings.app, process.cwd(), settings.interface);
    log.info('Preloaded %s:%s, a %s app', loaded.file, loaded.attribute, loaded.interface === 'tsgi' ? 'TSGI' : 'Node (req, res)');
    return undefined;
  } catch (err) {
    const message = err instanceof AppserverError ? err.message : errorText(err);
    log.critical('The app failed to load in the master (--preload): %s', message);
    log.info('Reason: App failed to load.');
    return err instanceof AppserverError ? err.exitCode : ERROR_CODES.TSGI_APPSERVER_E_APP_LOAD;
  }
}

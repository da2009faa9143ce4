/**
 * tsgi-appserver: a pre-fork application server for TSGI and Node apps, as Gunicorn is for WSGI.
 * The command is `tsgi-appserver [OPTIONS] APP`; this module exports what config files and
 * tools need.
 *
 * @example
 * ```ts
 * // tsgi.config.ts
 * import { defineConfig } from 'tsgi-appserver';
 * export default defineConfig({ app: 'src/app.ts:application', workers: 2, bind: ['0.0.0.0:8000'] });
 * ```
 * @module
 */
export { main } from './cli.js';
export { defineConfig } from './config-file.js';
export { resolveSettings, ARGS_ENV, type ResolvedSettings } from './config.js';
export { SETTINGS, SECTIONS, DEFAULT_ACCESS_LOG_FORMAT, type AppserverConfig, type AppserverSettings, type SettingName, type SettingSpec } from './settings.js';
export { renderHelp, renderOptionsMarkdown, renderSettings } from './help.js';
export { AppserverError, ERROR_CODES, type AppserverErrorCode } from './errors.js';
export { parseBind, type BindAddress } from './bind-address.js';
export { parseAppSpec, detectInterface, loadApp, type Detection, type LoadedApp, type NodeAppLifecycle, type NodeListener } from './loader.js';
export { parseProxyHeader, type ProxyHeader } from './proxy-protocol.js';
export { compileAccessFormat } from './access-log.js';
export type { ArbiterHookContext, MasterHooks, WorkerHookContext, WorkerHookInfo, WorkerHooks, WorkerServerContext } from './hooks.js';
export { VERSION, SOFTWARE } from './version.js';

/**
 * tsgi-webserver: the front server of tsgi (nginx's role) — listeners with TLS and HTTP/2, a
 * declarative config validated with line-precise errors, server-name and location matching,
 * static files, the reverse proxy, limits, logs, a master with workers and HUP reloads, and a
 * status endpoint.
 *
 * @example
 * ```ts
 * import { loadConfig, WebServer } from 'tsgi-webserver';
 * const server = await WebServer.start(await loadConfig('site.toml'));
 * console.log(server.addresses());
 * process.on('SIGTERM', () => void server.drain(30_000));
 * ```
 * @module
 */
export { main } from './cli.js';
export { loadConfig, loadConfigText, parseConfigText } from './config/load.js';
export { ConfigError } from './config/errors.js';
export type { ConfigErrorCode } from './config/errors.js';
export { SETTINGS, renderSettingsDocs } from './config/settings.js';
export type { Setting, Scope } from './config/settings.js';
export type { Config, ServerConfig, LocationConfig, ListenConfig, Limits, ReturnConfig, BindAddress, LogLevel } from './config/types.js';
export { WebServer } from './server/web-server.js';
export type { WebServerOptions, BoundAddress } from './server/web-server.js';
export { runMaster } from './master/master.js';
export type { CounterSnapshot } from './status/counters.js';
export { renderStub, renderPrometheus } from './status/render.js';
export { createStaticHandler } from './static/index.js';
export type { StaticOptions, StaticHandler } from './static/index.js';
export { createProxy, UpstreamRegistry } from './proxy/index.js';
export type { ProxyPassOptions, UpstreamOptions, UpstreamServerOptions, HealthCheckOptions, Proxy, ProxyContext } from './proxy/index.js';

/**
 * tsgi-webserver's reverse proxy: `createProxy(pass)` for each `proxy_pass`, sharing upstream state
 * through an {@link UpstreamRegistry}.
 * @module
 */
export { createProxy } from './proxy.js';
export { UpstreamRegistry, UpstreamGroup } from './upstream-registry.js';
export { ProxyError, ProxyErrorCode } from './errors.js';
export type { Proxy, ProxyContext, ProxyDeps, ProxyLogLevel, ProxyStats, UpstreamStats, UpstreamServerStats } from './types.js';
export type {
  BalanceMethod,
  HealthCheckOptions,
  ProxyPassOptions,
  UpstreamAddress,
  UpstreamOptions,
  UpstreamServerOptions,
} from './options.js';

/**
 * The proxies of one worker: one per `proxy_pass` location, sharing upstream state (pools,
 * health, balancer position) through one registry, so two locations passing to the same
 * upstream block share its connections.
 * @module
 */
import type { LingeringClose } from 'tsgi-head-gate';
import { createProxy, UpstreamRegistry } from '../proxy/index.js';
import type { Proxy, ProxyContext, ProxyLogLevel } from '../proxy/index.js';
import type { ProxyPassOptions } from '../proxy/options.js';
import type { ServerResponse } from 'node:http';

export type LocationProxy = Proxy;
export type ProxyCallContext = ProxyContext;

/** Makes the proxies of one worker. */
export interface ProxyFactory {
  create(pass: ProxyPassOptions): LocationProxy;
  /** Closes the shared upstream state (after every proxy is closed). */
  close(): void;
}

/**
 * @example
 * ```ts
 * const factory = createProxyFactory((level, msg) => console.log(level, msg));
 * const proxy = factory.create(location.proxy);
 * ```
 */
export function createProxyFactory(log: (level: ProxyLogLevel, message: string, fields?: Record<string, unknown>) => void, Response?: typeof ServerResponse, lingering?: LingeringClose): ProxyFactory {
  const registry = new UpstreamRegistry(log);
  return {
    create: (pass) => createProxy(pass, { registry, log, ...(Response ? { ServerResponse: Response } : {}), ...(lingering ? { lingering } : {}) }),
    close: () => registry.close(),
  };
}

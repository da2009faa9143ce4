/**
 * The live form of the configuration in one worker: each server block with its location matcher,
 * each location with its static handler and proxy, each socket with its server-name table.
 * @module
 */
import { createStaticHandler } from '../static/index.js';
import type { StaticHandler } from '../static/index.js';
import type { Config, ListenConfig, LocationConfig, ServerConfig } from '../config/types.js';
import { LocationMatcher } from '../match/locations.js';
import { ServerNameTable } from '../match/server-names.js';
import { sendError } from './error-page.js';
import type { LocationProxy, ProxyFactory } from './proxy-bridge.js';

/** A location with what serves it. */
export interface LocationRuntime {
  readonly match: LocationConfig['match'];
  readonly path: string;
  readonly regex?: RegExp;
  readonly config: LocationConfig;
  readonly static?: StaticHandler;
  readonly proxy?: LocationProxy;
}

/** A server block, ready to route. */
export interface SiteRuntime {
  readonly config: ServerConfig;
  readonly matcher: LocationMatcher<LocationRuntime>;
  /** Some location of this server adds headers (else responses skip the add_header hook). */
  readonly addsHeaders: boolean;
}

/** The servers sharing one socket. */
export interface SocketGroup {
  readonly key: string;
  readonly listen: ListenConfig;
  readonly ssl: boolean;
  readonly http2: boolean;
  readonly sites: readonly SiteRuntime[];
  readonly names: ServerNameTable<SiteRuntime>;
  /** Some location on this socket tunnels Upgrade requests. */
  readonly upgrades: boolean;
}

/** Everything built from one config. */
export interface Runtime {
  readonly config: Config;
  readonly groups: readonly SocketGroup[];
  /** Every proxy of this runtime (for counters). */
  readonly proxies: readonly LocationProxy[];
  /** Closes static caches and proxies. */
  close(): Promise<void>;
}

/**
 * Builds the runtime of a config.
 * @param proxies undefined when the proxy is not built: proxy locations then answer 502
 */
export function buildRuntime(config: Config, proxies: ProxyFactory | undefined): Runtime {
  const statics: StaticHandler[] = [];
  const made: LocationProxy[] = [];
  const onError = (res: Parameters<typeof sendError>[0], status: number, _code: string, headers: Readonly<Record<string, string>>): void => {
    const req = 'req' in res ? res.req : undefined;
    sendError(res, req?.method ?? 'GET', status, headers);
  };
  const runtimeOf = (loc: LocationConfig): LocationRuntime => {
    let staticHandler: StaticHandler | undefined;
    if (loc.static) {
      staticHandler = createStaticHandler({ ...loc.static, onError });
      statics.push(staticHandler);
    }
    let proxy: LocationProxy | undefined;
    if (loc.proxy && proxies) {
      proxy = proxies.create(loc.proxy);
      made.push(proxy);
    }
    return {
      match: loc.match,
      path: loc.path,
      ...(loc.regex ? { regex: loc.regex } : {}),
      config: loc,
      ...(staticHandler ? { static: staticHandler } : {}),
      ...(proxy ? { proxy } : {}),
    };
  };
  const sites = new Map<ServerConfig, SiteRuntime>();
  for (const s of config.servers) {
    const addsHeaders = [...s.locations, s.fallback].some((l) => l.addHeader.length > 0 || l.addHeaderAlways.length > 0);
    sites.set(s, { config: s, matcher: new LocationMatcher(s.locations.map(runtimeOf), runtimeOf(s.fallback)), addsHeaders });
  }
  const byKey = new Map<string, Array<{ site: SiteRuntime; listen: ListenConfig }>>();
  for (const s of config.servers) {
    for (const l of s.listen) {
      const list = byKey.get(l.key) ?? [];
      if (!list.some((x) => x.site.config === s)) list.push({ site: sites.get(s)!, listen: l });
      byKey.set(l.key, list);
    }
  }
  const groups: SocketGroup[] = [];
  for (const [key, list] of byKey) {
    const def = list.find((x) => x.listen.defaultServer) ?? list[0]!;
    const groupSites = list.map((x) => x.site);
    groups.push({
      key,
      listen: def.listen,
      ssl: list.some((x) => x.listen.ssl),
      http2: list.some((x) => x.listen.http2),
      sites: groupSites,
      names: new ServerNameTable(groupSites.map((site) => ({ server: site, names: site.config.names })), def.site),
      upgrades: groupSites.some((site) => [...site.config.locations, site.config.fallback].some((l) => l.proxy?.websocket)),
    });
  }
  return {
    config,
    groups,
    proxies: made,
    async close() {
      await Promise.allSettled([...statics.map((s) => s.close()), ...made.map((p) => p.close())]);
      proxies?.close();
    },
  };
}

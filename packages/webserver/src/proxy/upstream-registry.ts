/**
 * Upstream state shared by every location that proxies to the same upstream block: servers with
 * their connection pools and health, the balancer position and the active health checks.
 * @module
 */
import type { UpstreamOptions } from './options.js';
import { UpstreamServer } from './upstream-server.js';
import { IdleCache } from './idle-cache.js';
import { Balancer } from './balancer.js';
import { HealthChecker } from './health-check.js';
import type { HealthLog } from './health-check.js';
import type { UpstreamStats } from './types.js';

/** The live state of one `upstream` block. */
export class UpstreamGroup {
  readonly options: UpstreamOptions;
  readonly servers: readonly UpstreamServer[];
  readonly balancer: Balancer;
  readonly #health: HealthChecker | undefined;
  readonly #idle: IdleCache;

  /** @param log where health changes are written (the error log) */
  constructor(options: UpstreamOptions, log?: HealthLog) {
    this.options = options;
    // One idle cache for the block, as nginx's `keepalive N` counts across all its servers.
    const idle = (this.#idle = new IdleCache(options.keepalive));
    // nginx's `peers->single`: one server and no backup; it is never taken out by passive health.
    const alone = options.servers.length === 1;
    this.servers = options.servers.map((s) => new UpstreamServer(s, idle, options.keepaliveTimeoutMs, alone));
    this.balancer = new Balancer(options.balance, this.servers);
    this.#health = options.healthCheck ? new HealthChecker(options.healthCheck, options.name, this.servers, log) : undefined;
  }

  stats(): UpstreamStats {
    const now = Date.now();
    return {
      name: this.options.name,
      servers: this.servers.map((s) => ({
        name: s.options.name,
        backup: s.options.backup,
        state: s.options.down ? 'down' : !s.healthy ? 'unhealthy' : s.failed(now) ? 'failed' : 'up',
        active: s.active,
        connections: s.connections,
        requests: s.requests,
        failures: s.failures,
      })),
    };
  }

  close(): void {
    this.#health?.stop();
    this.#idle.close();
    for (const s of this.servers) s.destroy();
  }
}

/**
 * Maps each `UpstreamOptions` object to its live state, so that two locations passing to the same
 * upstream share connections, balancing and health. The server makes one per worker and closes it
 * on shutdown or after a reload has drained.
 *
 * @example
 * ```ts
 * const registry = new UpstreamRegistry();
 * const api = createProxy(config.locations[0].proxyPass, { registry });
 * const ws = createProxy(config.locations[1].proxyPass, { registry }); // same upstream object: shared
 * // ... on shutdown:
 * await Promise.all([api.close(), ws.close()]);
 * registry.close();
 * ```
 */
export class UpstreamRegistry {
  readonly #groups = new Map<UpstreamOptions, UpstreamGroup>();
  readonly #log: HealthLog | undefined;

  /** @param log where the upstreams' health changes are written (the error log); default: nowhere */
  constructor(log?: HealthLog) {
    this.#log = log;
  }

  /** The state of `options`, made on first use. */
  get(options: UpstreamOptions): UpstreamGroup {
    let g = this.#groups.get(options);
    if (!g) {
      g = new UpstreamGroup(options, this.#log);
      this.#groups.set(options, g);
    }
    return g;
  }

  stats(): UpstreamStats[] {
    return [...this.#groups.values()].map((g) => g.stats());
  }

  /** Stops health checks and closes every pooled connection. */
  close(): void {
    for (const g of this.#groups.values()) g.close();
    this.#groups.clear();
  }
}

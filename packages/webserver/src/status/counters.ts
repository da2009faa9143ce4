/**
 * Connection and request counters, as nginx's stub_status keeps them: active connections,
 * accepted, handled (accepted and not dropped for max_connections), requests, and the active
 * connections split into reading (no request seen yet on the connection), writing (a request in
 * progress) and waiting (idle keep-alive). HTTP/2 sessions count as connections.
 * @module
 */

/** A plain snapshot; workers send these to the master, which sums them. */
export interface CounterSnapshot {
  active: number;
  accepts: number;
  handled: number;
  requests: number;
  reading: number;
  writing: number;
  waiting: number;
  /** Proxy counters, when the config has proxy_pass locations. */
  proxy?: ProxySnapshot;
}

/** Proxy counters of one worker (or summed over workers). */
export interface ProxySnapshot {
  requests: number;
  badGateway: number;
  gatewayTimeout: number;
  retries: number;
  upgrades: number;
  upstreams: UpstreamSnapshot[];
}

/** One upstream block; `up` counts the workers that consider the server usable. */
export interface UpstreamSnapshot {
  name: string;
  servers: Array<{ name: string; backup: boolean; up: number; active: number; connections: number; requests: number; failures: number }>;
}

/**
 * One open connection (a TLS/TCP socket, or an HTTP/2 session): the worker's one record of it,
 * made by the server when the connection opens and read by the counters (reading, writing,
 * waiting) and by a draining worker (which idle connections to close).
 */
export class ConnectionRecord {
  /** Requests in progress; -1 once the connection closed. */
  inflight = 0;
  /** Responses finished on it. */
  served = 0;
  /** When it last finished a response (or opened): a draining worker closes it after a grace period idle. */
  idleSince = Date.now();
}

/** The counters of one worker. */
export class Counters {
  accepts = 0;
  handled = 0;
  requests = 0;
  active = 0;
  #writing = 0;
  #waiting = 0;

  /** A connection was accepted (`handled` false: dropped at once for max_connections). */
  accepted(handled: boolean): void {
    this.accepts++;
    if (handled) {
      this.handled++;
      this.active++;
    }
  }

  /** An accepted connection closed. */
  closed(): void {
    this.active--;
  }

  /**
   * A request started on the connection `conn`; call {@link requestDone} once when its response
   * is done. Nothing is allocated or looked up per request: the caller holds the record.
   */
  requestStarted(conn: ConnectionRecord): void {
    this.requests++;
    if (conn.inflight < 0) return;
    if (conn.inflight === 0) {
      if (conn.served > 0) this.#waiting--;
      this.#writing++;
    }
    conn.inflight++;
  }

  /** A response of the connection is done (call once per {@link requestStarted}). */
  requestDone(conn: ConnectionRecord): void {
    if (conn.inflight <= 0) return;
    conn.inflight--;
    conn.served++;
    if (conn.inflight === 0) {
      this.#writing--;
      this.#waiting++;
      conn.idleSince = Date.now();
    }
  }

  /** The connection closed (HTTP level: the TLS/TCP socket or the HTTP/2 session); once. */
  connectionClosed(conn: ConnectionRecord): void {
    if (conn.inflight === 0 && conn.served > 0) this.#waiting--;
    else if (conn.inflight > 0) this.#writing--;
    conn.inflight = -1;
  }

  snapshot(): CounterSnapshot {
    const writing = Math.max(0, this.#writing);
    const waiting = Math.max(0, this.#waiting);
    return {
      active: this.active,
      accepts: this.accepts,
      handled: this.handled,
      requests: this.requests,
      reading: Math.max(0, this.active - writing - waiting),
      writing,
      waiting,
    };
  }
}

/** Sums worker snapshots (upstream servers matched by upstream and server name). */
export function sumSnapshots(list: readonly CounterSnapshot[]): CounterSnapshot {
  const out: CounterSnapshot = { active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 };
  const keys = ['active', 'accepts', 'handled', 'requests', 'reading', 'writing', 'waiting'] as const;
  for (const s of list) {
    for (const k of keys) out[k] += s[k];
    if (s.proxy) out.proxy = addProxy(out.proxy, s.proxy);
  }
  return out;
}

/** Adds proxy counters `b` into a copy of `a`. */
export function addProxy(a: ProxySnapshot | undefined, b: ProxySnapshot): ProxySnapshot {
  const out: ProxySnapshot = a
    ? { ...a, upstreams: a.upstreams.map((u) => ({ name: u.name, servers: u.servers.map((x) => ({ ...x })) })) }
    : { requests: 0, badGateway: 0, gatewayTimeout: 0, retries: 0, upgrades: 0, upstreams: [] };
  out.requests += b.requests;
  out.badGateway += b.badGateway;
  out.gatewayTimeout += b.gatewayTimeout;
  out.retries += b.retries;
  out.upgrades += b.upgrades;
  for (const u of b.upstreams) {
    let target = out.upstreams.find((x) => x.name === u.name);
    if (!target) {
      target = { name: u.name, servers: [] };
      out.upstreams.push(target);
    }
    for (const srv of u.servers) {
      const t = target.servers.find((x) => x.name === srv.name);
      if (!t) target.servers.push({ ...srv });
      else {
        t.up += srv.up;
        t.active += srv.active;
        t.connections += srv.connections;
        t.requests += srv.requests;
        t.failures += srv.failures;
      }
    }
  }
  return out;
}

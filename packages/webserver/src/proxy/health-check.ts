/**
 * Active health checks (what nginx keeps for its paid edition, `health_check interval=5`; its
 * `fails` and `passes` are `fall` and `rise` here): every `intervalMs` each server gets `GET path` on a fresh connection; `fall` failures
 * in a row take it out of rotation, `rise` passes in a row bring it back. A pass also ends a passive
 * mark (`max_fails`/`fail_timeout`) set before the check began, so a server that came back rejoins
 * within one interval rather than when `fail_timeout` runs out. Each change is logged, as nginx
 * Plus logs "peer is unhealthy".
 * @module
 */
import type { HealthCheckOptions } from './options.js';
import type { ProxyLogLevel } from './types.js';
import type { UpstreamServer } from './upstream-server.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { request } = process.getBuiltinModule('node:http');

interface Streak {
  passes: number;
  fails: number;
  running: boolean;
}

/** The outcome of one check: passed, or why not (for the log line that takes a server out). */
type Verdict = { ok: true } | { ok: false; reason: string };

/** Where state changes are written (the proxy's error log). */
export type HealthLog = (level: ProxyLogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * Runs the checks of one upstream block until `stop()`.
 *
 * @example
 * ```ts
 * const checker = new HealthChecker({ intervalMs: 1_000, timeoutMs: 500, path: '/', expectStatus: [], rise: 1, fall: 2 }, 'app', servers, log);
 * // ... servers[i].healthy follows the checks
 * checker.stop();
 * ```
 */
export class HealthChecker {
  readonly #options: HealthCheckOptions;
  readonly #upstream: string;
  readonly #servers: readonly UpstreamServer[];
  readonly #log: HealthLog;
  readonly #streaks = new Map<UpstreamServer, Streak>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: HealthCheckOptions, upstream: string, servers: readonly UpstreamServer[], log: HealthLog = () => undefined) {
    this.#options = options;
    this.#upstream = upstream;
    this.#servers = servers;
    this.#log = log;
    for (const s of servers) this.#streaks.set(s, { passes: 0, fails: 0, running: false });
    this.#timer = setInterval(() => this.#round(), Math.max(10, options.intervalMs));
    // Health checks never keep a process alive on their own.
    this.#timer.unref();
    setImmediate(() => this.#round()).unref();
  }

  /** One check of every server whose previous check has finished (a slow one is never doubled). */
  #round(): void {
    for (const s of this.#servers) {
      if (s.options.down) continue;
      const streak = this.#streaks.get(s)!;
      if (streak.running) continue;
      streak.running = true;
      const startedAt = Date.now();
      void this.#check(s).then((verdict) => {
        streak.running = false;
        if (verdict.ok) this.#passed(s, streak, startedAt);
        else this.#failed(s, streak, verdict.reason);
      });
    }
  }

  #passed(s: UpstreamServer, streak: Streak, startedAt: number): void {
    streak.fails = 0;
    streak.passes++;
    if (streak.passes < Math.max(1, this.#options.rise)) return;
    const ended = s.checkPassed(startedAt);
    if (!s.healthy) {
      s.healthy = true;
      this.#log('notice', `upstream server ${s.options.name} in "${this.#upstream}" is healthy again: ${streak.passes} health check(s) passed in a row`);
    } else if (ended) {
      this.#log('notice', `upstream server ${s.options.name} in "${this.#upstream}" is back before its fail_timeout: a health check passed`);
    }
  }

  #failed(s: UpstreamServer, streak: Streak, reason: string): void {
    streak.passes = 0;
    streak.fails++;
    if (!s.healthy || streak.fails < Math.max(1, this.#options.fall)) return;
    s.healthy = false;
    this.#log('warn', `upstream server ${s.options.name} in "${this.#upstream}" is unhealthy: ${streak.fails} health check(s) failed in a row, the last: ${reason}`);
  }

  #check(s: UpstreamServer): Promise<Verdict> {
    const o = this.#options;
    return new Promise((resolve) => {
      let done = false;
      const finish = (verdict: Verdict): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        resolve(verdict);
      };
      const host = o.host ?? defaultHost(s);
      const req = request({
        ...s.target,
        method: 'GET',
        path: o.path,
        agent: false,
        headers: { host, 'user-agent': 'tsgi-webserver health check', connection: 'close' },
      });
      const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${o.timeoutMs} ms` }), o.timeoutMs);
      timer.unref();
      req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message }));
      req.on('response', (res) => {
        const st = res.statusCode ?? 0;
        const ok = o.expectStatus.length > 0 ? o.expectStatus.includes(st) : st >= 200 && st < 400;
        res.resume();
        res.on('end', () => finish(ok ? { ok: true } : { ok: false, reason: `status ${st}` }));
        res.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message }));
      });
      req.end();
    });
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The server's own authority (RFC 9110 7.2: the port unless it is 80), or localhost for a unix socket. */
function defaultHost(s: UpstreamServer): string {
  const a = s.options.address;
  if (a.kind !== 'tcp') return 'localhost';
  const name = a.host.includes(':') ? `[${a.host}]` : a.host;
  return a.port === 80 ? name : `${name}:${a.port}`;
}

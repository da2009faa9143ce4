/**
 * Active health checks (what nginx keeps for its paid edition): every `intervalMs` each server gets
 * `GET path` on a fresh connection; `fall` failures in a row take it out of rotation, `rise` passes in
 * a row bring it back.
 * @module
 */
import { request } from 'node:http';
import type { HealthCheckOptions } from './options.js';
import type { UpstreamServer } from './upstream-server.js';

interface Streak {
  passes: number;
  fails: number;
  running: boolean;
}

/** Runs the checks of one upstream block until `stop()`. */
export class HealthChecker {
  readonly #options: HealthCheckOptions;
  readonly #servers: readonly UpstreamServer[];
  readonly #streaks = new Map<UpstreamServer, Streak>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: HealthCheckOptions, servers: readonly UpstreamServer[]) {
    this.#options = options;
    this.#servers = servers;
    for (const s of servers) this.#streaks.set(s, { passes: 0, fails: 0, running: false });
    this.#timer = setInterval(() => this.#round(), Math.max(10, options.intervalMs));
    // Health checks never keep a process alive on their own.
    this.#timer.unref();
    setImmediate(() => this.#round()).unref();
  }

  #round(): void {
    for (const s of this.#servers) {
      if (s.options.down) continue;
      const streak = this.#streaks.get(s)!;
      if (streak.running) continue;
      streak.running = true;
      this.#check(s).then((ok) => {
        streak.running = false;
        if (ok) {
          streak.fails = 0;
          streak.passes++;
          if (!s.healthy && streak.passes >= Math.max(1, this.#options.rise)) s.healthy = true;
        } else {
          streak.passes = 0;
          streak.fails++;
          if (s.healthy && streak.fails >= Math.max(1, this.#options.fall)) s.healthy = false;
        }
      });
    }
  }

  #check(s: UpstreamServer): Promise<boolean> {
    const o = this.#options;
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        resolve(ok);
      };
      const host = s.options.address.kind === 'tcp' ? s.options.address.host : 'localhost';
      const req = request({
        ...s.target,
        method: 'GET',
        path: o.path,
        agent: false,
        headers: { host, 'user-agent': 'tsgi-webserver health check', connection: 'close' },
      });
      const timer = setTimeout(() => finish(false), o.timeoutMs);
      timer.unref();
      req.on('error', () => finish(false));
      req.on('response', (res) => {
        const st = res.statusCode ?? 0;
        const ok = o.expectStatus.length > 0 ? o.expectStatus.includes(st) : st >= 200 && st < 400;
        res.resume();
        res.on('end', () => finish(ok));
        res.on('error', () => finish(false));
      });
      req.end();
    });
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

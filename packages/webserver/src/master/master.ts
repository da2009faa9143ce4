/**
 * The master process (nginx's master, Gunicorn's arbiter): forks the workers, which share the
 * listening sockets through node:cluster; restarts a worker that dies; and acts on signals.
 * Signal handlers only queue; one loop handles them in order:
 * - HUP: reload. The file is read and validated again; a bad config is logged and the old workers
 *   keep serving. Otherwise a new generation of workers starts on the new config, and only once
 *   every one of them listens are the old ones told to drain (finish requests, close idle
 *   connections), so no connection is refused or dropped.
 * - USR1: reopen log files (after logrotate moved them).
 * - QUIT: graceful stop (drain, then exit). TERM, INT: fast stop.
 * @module
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { loadConfigText } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ErrorLog } from '../log/error-log.js';
import { sumSnapshots } from '../status/counters.js';
import type { CounterSnapshot } from '../status/counters.js';
import type { BoundAddress } from '../server/web-server.js';
import { TicketKeyRotation } from '../server/session-tickets.js';
import { encodeKeys, WORKER_ENV } from './messages.js';
import type { ToMaster, ToWorker } from './messages.js';
import { removeStaleUnixSockets } from './unix-sockets.js';

interface Managed {
  readonly worker: Worker;
  readonly generation: number;
  readonly slot: number;
  state: 'starting' | 'ready' | 'draining';
  /** Sent its final counters (already in the retired totals). */
  retired?: boolean;
  addresses?: readonly BoundAddress[];
}

type Signal = 'SIGHUP' | 'SIGUSR1' | 'SIGQUIT' | 'SIGTERM' | 'SIGINT';

/** Options of {@link runMaster}. */
export interface MasterOptions {
  /** Called once the first generation listens (for tests and the CLI's startup line). */
  readonly onReady?: (addresses: readonly BoundAddress[]) => void;
}

/**
 * Runs the master until it stops; resolves with the exit code.
 * @example
 * ```ts
 * const code = await runMaster(config, text);
 * ```
 */
export async function runMaster(config: Config, text: string, options: MasterOptions = {}): Promise<number> {
  const master = new Master(config, text, options);
  return master.run();
}

class Master {
  #config: Config;
  #text: string;
  readonly #options: MasterOptions;
  readonly #log: ErrorLog;
  readonly #workers = new Map<number, Managed>();
  readonly #queue: Signal[] = [];
  #wake: (() => void) | undefined;
  #generation = 0;
  /** The generation serving now (a failed reload's generation never becomes it). */
  #live = 0;
  #stopping = false;
  #collectId = 1;
  readonly #retired: CounterSnapshot = { active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 };
  readonly #collecting = new Map<number, { snapshots: CounterSnapshot[]; expected: number; done: () => void }>();
  /** TLS session ticket keys for every worker, so a client resumes on any of them; rotated here. */
  readonly #tickets: TicketKeyRotation;

  constructor(config: Config, text: string, options: MasterOptions) {
    this.#config = config;
    this.#text = text;
    this.#options = options;
    this.#log = new ErrorLog(config.errorLog, config.errorLogLevel, 0);
    this.#tickets = new TicketKeyRotation(config.ssl.sessionTimeoutMs, (keys) => {
      this.#log.log('info', 'TLS session ticket key rotated; sending it to the workers');
      const msg: ToWorker = { type: 'ticket-keys', keys: encodeKeys(keys) };
      for (const m of this.#workers.values()) this.#send(m, msg);
    });
  }

  async run(): Promise<number> {
    // Each worker accepts on the shared socket itself (no hop through the master), as nginx does.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ silent: false });
    const handlers = new Map<Signal, () => void>();
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGQUIT', 'SIGTERM', 'SIGINT'] as const) {
      const h = () => {
        this.#queue.push(sig);
        this.#wake?.();
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    cluster.on('message', this.#onMessage);
    cluster.on('exit', this.#onExit);
    try {
      await removeStaleUnixSockets(this.#config, this.#log);
      if (this.#config.pid) await writeFile(this.#config.pid, `${process.pid}\n`);
      const started = await this.#startGeneration();
      if (!started.ok) {
        this.#log.log('crit', `workers failed to start: ${started.error}`);
        await this.#stopAll(false);
        return 1;
      }
      this.#live = this.#generation;
      this.#log.log('notice', `started ${this.#config.workers} worker(s), master pid ${process.pid}`);
      this.#options.onReady?.(started.addresses);
      // The loop: sleep until a signal arrives, handle it, repeat.
      for (;;) {
        if (this.#queue.length === 0) await new Promise<void>((r) => (this.#wake = r));
        this.#wake = undefined;
        const sig = this.#queue.shift();
        if (!sig) continue;
        if (sig === 'SIGHUP') await this.#reload();
        else if (sig === 'SIGUSR1') this.#reopen();
        else {
          await this.#stopAll(sig === 'SIGQUIT');
          return 0;
        }
      }
    } finally {
      this.#tickets.stop();
      for (const [sig, h] of handlers) process.off(sig, h);
      cluster.off('message', this.#onMessage);
      cluster.off('exit', this.#onExit);
      if (this.#config.pid) await unlink(this.#config.pid).catch(() => undefined);
      await this.#log.sink.close();
    }
  }

  /** Forks `workers` processes on the current config; resolves once all listen or one failed. */
  async #startGeneration(): Promise<{ ok: true; addresses: readonly BoundAddress[] } | { ok: false; error: string }> {
    const generation = ++this.#generation;
    const forks: Array<Promise<{ ok: true; addresses: readonly BoundAddress[] } | { ok: false; error: string }>> = [];
    for (let slot = 0; slot < this.#config.workers; slot++) forks.push(this.#fork(generation, slot));
    const results = await Promise.all(forks);
    const failed = results.find((r) => !r.ok);
    if (failed) {
      for (const m of this.#workers.values()) {
        if (m.generation !== generation) continue;
        // Marked first, so their exits are not taken for crashes to repair.
        m.state = 'draining';
        this.#send(m, { type: 'stop' });
      }
      return failed;
    }
    return results[0]!;
  }

  #fork(generation: number, slot: number): Promise<{ ok: true; addresses: readonly BoundAddress[] } | { ok: false; error: string }> {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    const m: Managed = { worker, generation, slot, state: 'starting' };
    // A worker that exits while the master writes to it gives EPIPE; its exit is handled elsewhere.
    worker.on('error', (err) => this.#log.log('debug', `worker ${worker.process.pid}: ${err.message}`));
    this.#workers.set(worker.id, m);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        resolve({ ok: false, error: 'a worker did not start within 30 s' });
      }, 30_000);
      const onMsg = (msg: ToMaster) => {
        if (msg.type === 'hello') {
          this.#send(m, { type: 'start', file: this.#config.file, text: this.#text, worker: slot + 1, ticketKeys: encodeKeys(this.#tickets.keys) });
        } else if (msg.type === 'ready') {
          cleanup();
          m.state = 'ready';
          m.addresses = msg.addresses;
          resolve({ ok: true, addresses: msg.addresses });
        } else if (msg.type === 'failed') {
          cleanup();
          resolve({ ok: false, error: msg.error });
        }
      };
      const onExit = () => {
        cleanup();
        resolve({ ok: false, error: `worker ${worker.process.pid} exited during startup` });
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMsg);
        worker.off('exit', onExit);
      };
      worker.on('message', onMsg);
      worker.once('exit', onExit);
    });
  }

  async #reload(): Promise<void> {
    if (this.#config.file.startsWith('<')) {
      // Quick forms (file-server, reverse-proxy) have no file to read again.
      this.#log.log('notice', `HUP: nothing to reload, ${this.#config.file} was configured on the command line`);
      return;
    }
    this.#log.log('notice', `reloading ${this.#config.file}`);
    let text: string;
    let config: Config;
    try {
      text = await readFile(this.#config.file, 'utf8');
      config = await loadConfigText(text, this.#config.file);
    } catch (err) {
      this.#log.log('error', `reload failed, still serving the previous configuration: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const previous = { config: this.#config, text: this.#text };
    this.#config = config;
    this.#text = text;
    // The keys stay: clients keep resuming across the reload.
    this.#tickets.setPeriod(config.ssl.sessionTimeoutMs);
    await removeStaleUnixSockets(config, this.#log);
    const oldGeneration = this.#generation;
    const started = await this.#startGeneration();
    if (!started.ok) {
      this.#config = previous.config;
      this.#text = previous.text;
      this.#log.log('error', `reload failed, still serving the previous configuration: ${started.error}`);
      return;
    }
    this.#live = this.#generation;
    for (const m of this.#workers.values()) {
      if (m.generation <= oldGeneration && m.state !== 'draining') {
        m.state = 'draining';
        this.#send(m, { type: 'drain' });
        this.#killLater(m, config.shutdownTimeoutMs + 5000);
      }
    }
    this.#log.log('notice', `reloaded: generation ${this.#live}, ${config.workers} worker(s)`);
  }

  #reopen(): void {
    this.#log.sink.reopen();
    for (const m of this.#workers.values()) this.#send(m, { type: 'reopen' });
  }

  async #stopAll(graceful: boolean): Promise<void> {
    this.#stopping = true;
    const exits = [...this.#workers.values()].map((m) => new Promise<void>((r) => (m.worker.isDead() ? r() : m.worker.once('exit', () => r()))));
    for (const m of this.#workers.values()) {
      m.state = 'draining';
      this.#send(m, { type: graceful ? 'drain' : 'stop' });
      this.#killLater(m, graceful ? this.#config.shutdownTimeoutMs + 5000 : 5000);
    }
    await Promise.all(exits);
    this.#log.log('notice', graceful ? 'graceful stop complete' : 'stopped');
  }

  #killLater(m: Managed, ms: number): void {
    const t = setTimeout(() => {
      if (!m.worker.isDead()) {
        this.#log.log('warn', `worker ${m.worker.process.pid} did not finish in time; killing it`);
        m.worker.process.kill('SIGKILL');
      }
    }, ms);
    t.unref();
    m.worker.once('exit', () => clearTimeout(t));
  }

  #send(m: Managed, msg: ToWorker): void {
    if (m.worker.isConnected()) m.worker.send(msg, undefined, () => undefined);
  }

  readonly #onMessage = (worker: Worker, msg: ToMaster): void => {
    if (msg.type === 'status?') {
      const id = this.#collectId++;
      // Draining workers are asked too: their connections are still open.
      const live = [...this.#workers.values()].filter((m) => m.state !== 'starting' && !m.retired && m.worker.isConnected());
      const entry = {
        snapshots: [] as CounterSnapshot[],
        expected: live.length,
        done: () => {
          clearTimeout(timer);
          this.#collecting.delete(id);
          const m = this.#workers.get(worker.id);
          if (m) this.#send(m, { type: 'status', id: msg.id, snapshot: sumSnapshots([...entry.snapshots, this.#retired]), workers: entry.snapshots.length });
        },
      };
      const timer = setTimeout(entry.done, 1000);
      this.#collecting.set(id, entry);
      for (const m of live) this.#send(m, { type: 'collect', id });
    } else if (msg.type === 'final') {
      // Totals of a worker that is leaving: kept so accepts/handled/requests never go backwards.
      this.#retired.accepts += msg.snapshot.accepts;
      this.#retired.handled += msg.snapshot.handled;
      this.#retired.requests += msg.snapshot.requests;
      const m = this.#workers.get(worker.id);
      if (m) m.retired = true;
    } else if (msg.type === 'counters') {
      const entry = this.#collecting.get(msg.id);
      if (!entry) return;
      entry.snapshots.push(msg.snapshot);
      if (entry.snapshots.length >= entry.expected) entry.done();
    }
  };

  readonly #onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const m = this.#workers.get(worker.id);
    this.#workers.delete(worker.id);
    if (!m || this.#stopping || m.state !== 'ready' || m.generation !== this.#live) return;
    // A serving worker died: replace it (after a pause, so a crash loop does not spin).
    this.#log.log('error', `worker ${worker.process.pid} exited unexpectedly (${signal ?? `code ${code}`}); starting a new one`);
    setTimeout(() => {
      if (this.#stopping || m.generation !== this.#live) return;
      void this.#fork(m.generation, m.slot).then((r) => {
        if (!r.ok) this.#log.log('error', `replacement worker failed: ${r.error}`);
      });
    }, 500).unref();
  };
}

/**
 * Even spreading of connections over workers: the master accepts every connection and hands it
 * to the workers in turn, as node:cluster's round-robin scheduler does
 * (lib/internal/cluster/round_robin_handle.js).
 *
 * Why not let every worker accept on the shared socket (Gunicorn's way, and this server's until
 * now): the kernel wakes whichever worker is waiting in accept(), and a worker that has just
 * served is the one waiting. Measured with 20 keep-alive connections on 2 workers: splits of
 * 18/2, 2/18 and 20/0. SO_REUSEPORT spreads by a hash of the addresses, but a worker that stops
 * takes the connections queued on its own socket with it (reset), and Node 20 cannot set it.
 *
 * The rule:
 * - A worker gets a connection only when it is ready, not told to stop, and has answered the
 *   previous handoff. So the order is round-robin among the workers that keep up, and a worker
 *   whose event loop is stuck gets one connection, not a queue of them.
 * - The master keeps its copy of a handed connection until the worker answers: `accepted` closes
 *   it; `refused` (the worker is stopping) or the worker's exit gives it to the next worker. A
 *   connection is never lost because a worker went away.
 * - With no worker free, connections wait in the master (at most --backlog of them, as they
 *   would wait in the kernel's queue), and go out as workers become free.
 *
 * The cost is one IPC message with the descriptor and one answer per connection, not per
 * request: see the README's bench rows with a new connection per request.
 * @module
 */
import { getSystemErrorName } from 'node:util';
import { AppserverError } from './errors.js';
import type { ConnectionMessage } from './ipc.js';
import type { BoundListener } from './listeners.js';
import type { ServerLogger } from './logger.js';
import type { WorkerProcess } from './worker-process.js';

/** An accepted connection's libuv handle (TCPWrap or PipeWrap), before any JS socket wraps it. */
type ClientHandle = object & { close(): void };

/** The libuv calls a bound listening handle offers (what node:cluster's round-robin handle uses). */
interface ListeningHandle {
  onconnection: ((status: number, client: ClientHandle | undefined) => void) | null;
  listen(backlog: number): number;
}

/**
 * Hands accepted connections to workers, round-robin.
 *
 * @example
 * ```ts
 * const dispatcher = new ConnectionDispatcher(log, 2048);
 * dispatcher.listen(listeners);          // the master accepts from now on
 * dispatcher.add(worker);                // on its `ready` message
 * dispatcher.answered(worker, true);     // on its `accepted` message
 * dispatcher.exited(worker);             // on its exit
 * ```
 */
export class ConnectionDispatcher {
  readonly #log: ServerLogger;
  readonly #maxQueued: number;
  /** Accepted connections no worker has taken yet, oldest first. */
  readonly #queue: ClientHandle[] = [];
  /** Workers that may take a connection and have none awaiting an answer, next in turn first. */
  readonly #free: WorkerProcess[] = [];
  /** Workers that may be given connections. */
  readonly #serving = new Set<WorkerProcess>();
  /** The connection each worker was handed and has not answered for. */
  readonly #handed = new Map<WorkerProcess, ClientHandle>();
  #overflowLogged = false;

  /** @param maxQueued how many connections may wait for a free worker (--backlog). */
  constructor(log: ServerLogger, maxQueued: number) {
    this.#log = log;
    this.#maxQueued = Math.max(1, maxQueued);
  }

  /** Starts accepting on every bound socket; throws naming the socket when one cannot listen. */
  listen(listeners: readonly BoundListener[]): void {
    for (const l of listeners) {
      const handle = l.handle as unknown as ListeningHandle;
      handle.onconnection = (status, client) => this.#onConnection(l, status, client);
      const err = handle.listen(this.#maxQueued);
      if (err !== 0) throw new AppserverError('TSGI_APPSERVER_E_BIND', `cannot listen on ${l.label}: ${getSystemErrorName(err)}`);
    }
  }

  /** Connections accepted and not yet taken by a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** A worker is ready: it takes connections from now on. */
  add(worker: WorkerProcess): void {
    if (this.#serving.has(worker)) return;
    this.#serving.add(worker);
    if (!this.#handed.has(worker)) this.#give(worker);
  }

  /** A worker is told to stop: it gets no more connections (the one it was handed, it still answers for). */
  remove(worker: WorkerProcess): void {
    this.#serving.delete(worker);
    const at = this.#free.indexOf(worker);
    if (at >= 0) this.#free.splice(at, 1);
  }

  /** A worker answered for its connection. */
  answered(worker: WorkerProcess, accepted: boolean): void {
    const client = this.#handed.get(worker);
    if (client === undefined) return;
    this.#handed.delete(worker);
    if (accepted) {
      client.close();
    } else {
      // It is stopping (a TERM that did not come from this master): the next worker takes it.
      this.remove(worker);
      this.#queue.unshift(client);
      this.#dispatch();
    }
    if (this.#serving.has(worker)) this.#give(worker);
  }

  /** A worker exited: the connection it had not answered for goes to the next worker. */
  exited(worker: WorkerProcess): void {
    this.remove(worker);
    const client = this.#handed.get(worker);
    if (client === undefined) return;
    this.#handed.delete(worker);
    this.#queue.unshift(client);
    this.#dispatch();
  }

  /** Closes the connections no worker took (the server is stopping and no worker is left to take them). */
  closeQueued(): void {
    if (this.#queue.length > 0) this.#log.warn('closing %d connection(s) no worker took', this.#queue.length);
    for (const client of this.#queue.splice(0)) client.close();
  }

  #onConnection(listener: BoundListener, status: number, client: ClientHandle | undefined): void {
    if (status !== 0 || client === undefined) {
      // EMFILE and the like: the connection stays in the kernel's queue; node:net reports it the same way.
      this.#log.error('accept on %s failed: %s', listener.label, getSystemErrorName(status));
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      if (!this.#overflowLogged) this.#log.warn('%d connections wait for a free worker (--backlog); closing new ones until they are taken', this.#queue.length);
      this.#overflowLogged = true;
      client.close();
      return;
    }
    this.#overflowLogged = false;
    this.#queue.push(client);
    this.#dispatch();
  }

  /** Hands queued connections to free workers, in turn. */
  #dispatch(): void {
    while (this.#queue.length > 0 && this.#free.length > 0) this.#handOff(this.#free.shift()!);
  }

  /** The worker is free: it takes the oldest queued connection, or waits at the back of the turn. */
  #give(worker: WorkerProcess): void {
    if (this.#queue.length === 0) this.#free.push(worker);
    else this.#handOff(worker);
  }

  #handOff(worker: WorkerProcess): void {
    const client = this.#queue.shift()!;
    this.#handed.set(worker, client);
    const message: ConnectionMessage = { type: 'connection' };
    // A send that fails means the channel is gone: the worker's exit gives the connection to another.
    worker.child.send(message, client as never, undefined, () => undefined);
  }
}

/**
 * A worker process: waits for its config from the master, serves it on the sockets the master
 * shares (node:cluster), answers counter requests, and drains when told.
 * @module
 */
import cluster from 'node:cluster';
import { loadConfigText } from '../config/load.js';
import type { CounterSnapshot } from '../status/counters.js';
import { WebServer } from '../server/web-server.js';
import { decodeKeys } from './messages.js';
import type { ToMaster, ToWorker } from './messages.js';

function send(msg: ToMaster): void {
  if (process.connected) process.send!(msg);
}

/**
 * Runs until the master says drain/stop (or goes away); resolves with the exit code.
 * @example
 * ```ts
 * if (cluster.isWorker && process.env[WORKER_ENV]) process.exitCode = await runWorker();
 * ```
 */
export function runWorker(): Promise<number> {
  return new Promise((resolve) => {
    let server: WebServer | undefined;
    let ticketKeys: Buffer[] | undefined;
    let nextId = 1;
    const pending = new Map<number, (v: { snapshot: CounterSnapshot; workers: number }) => void>();
    const status = (): Promise<{ snapshot: CounterSnapshot; workers: number }> =>
      new Promise((res, rej) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          rej(new Error('the master did not answer the status request'));
        }, 3000);
        pending.set(id, (v) => {
          clearTimeout(timer);
          res(v);
        });
        send({ type: 'status?', id });
      });
    let stopping = false;
    const finish = async (graceful: boolean): Promise<void> => {
      if (stopping) return;
      stopping = true;
      if (server) {
        if (graceful) await server.drain(server.config.shutdownTimeoutMs);
        else await server.close();
        send({ type: 'final', snapshot: server.counters.snapshot() });
      }
      process.off('message', onMessage);
      if (process.connected) cluster.worker?.disconnect();
      resolve(0);
    };
    const onMessage = (msg: ToWorker): void => {
      switch (msg.type) {
        case 'start':
          ticketKeys = decodeKeys(msg.ticketKeys);
          loadConfigText(msg.text, msg.file)
            .then((config) => WebServer.start(config, { worker: msg.worker, status: () => status(), ticketKeys }))
            .then(
              (s) => {
                server = s;
                // Keys rotated while the server was starting.
                if (ticketKeys !== undefined) s.setTicketKeys(ticketKeys);
                send({ type: 'ready', addresses: s.addresses() });
              },
              (err: unknown) => {
                send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
                stopping = true;
                process.off('message', onMessage);
                if (process.connected) cluster.worker?.disconnect();
                resolve(1);
              },
            );
          break;
        case 'collect':
          send({ type: 'counters', id: msg.id, snapshot: server ? server.snapshot() : emptySnapshot() });
          break;
        case 'status':
          pending.get(msg.id)?.({ snapshot: msg.snapshot, workers: msg.workers });
          pending.delete(msg.id);
          break;
        case 'ticket-keys':
          ticketKeys = decodeKeys(msg.keys);
          server?.setTicketKeys(ticketKeys);
          break;
        case 'reopen':
          server?.reopenLogs();
          break;
        case 'drain':
          void finish(true);
          break;
        case 'stop':
          void finish(false);
          break;
      }
    };
    process.on('message', onMessage);
    // Messages sent before this listener existed would be lost: ask for the config now.
    send({ type: 'hello' });
    // Signals go to the master; a worker ignores the ones a terminal sends to the whole group.
    for (const sig of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1'] as const) process.on(sig, () => undefined);
    process.on('SIGTERM', () => void finish(false));
    process.once('disconnect', () => void finish(true));
  });
}

function emptySnapshot(): CounterSnapshot {
  return { active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 };
}

/**
 * The server hooks of a config file: Gunicorn's names and moments, camelCased. Master hooks run
 * in the master; worker hooks run in each worker, which imports the config file itself (functions
 * do not travel over IPC, and there is no fork() to inherit them). A hook that throws or
 * rejects is logged with its name and changes nothing else: it never takes a process down.
 *
 * | hook | process | moment |
 * |---|---|---|
 * | onStarting(server) | master | before the sockets are bound (awaited) |
 * | onReload(server) | master | on HUP (or --reload), after the settings are read again (awaited) |
 * | whenReady(server) | master | once every worker of the first generation is accepting |
 * | preFork(server, worker) | master | just before a worker process is started |
 * | postFork(server, worker) | worker | first thing in a new worker, before the app is loaded |
 * | postWorkerInit(worker) | worker | the app is loaded and started, before accepting |
 * | workerInt(worker) | worker | the worker got INT or QUIT |
 * | workerAbort(server, worker) | master | a worker silent for --timeout is about to be killed (its event loop is blocked, so it cannot run code itself) |
 * | preRequest(worker, req) | worker | before the app sees a request |
 * | postRequest(worker, req, res) | worker | the response is over (finished or the client left) |
 * | childExit(server, worker) | master | a worker process has exited |
 * | workerExit(server, worker) | worker | the worker is about to exit after its graceful stop |
 * | nworkersChanged(server, newValue, oldValue) | master | the number of workers changed (TTIN, TTOU, HUP) |
 * | preExec(server) | master | before a new master is executed (USR2) |
 * | onExit(server) | master | just before the master exits (awaited) |
 * @module
 */
import { errorText } from './errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TsgiLogger } from 'tsgi';
import type { AppserverSettings } from './settings.js';

/** The master as a hook sees it. */
export interface ArbiterHookContext {
  /** The effective settings (read-only by convention). */
  readonly settings: Readonly<AppserverSettings>;
  /** The master's process id. */
  readonly pid: number;
  /** The server's error log. */
  readonly log: TsgiLogger;
  /** The sockets being served, as `http://host:port` or `unix:/path` (empty before binding). */
  readonly listeners: readonly string[];
}

/** One worker as a hook sees it (Gunicorn passes its `Worker` object). */
export interface WorkerHookInfo {
  /** The worker's number (1, 2, ... never reused). */
  readonly id: number;
  /** Its process id; 0 in preFork, before the process exists. */
  readonly pid: number;
  /** The worker's reload generation (1 at start, +1 per HUP). */
  readonly generation: number;
}

/** What a hook running inside a worker receives as `worker`. */
export interface WorkerHookContext extends WorkerHookInfo {
  /** The worker's error log. */
  readonly log: TsgiLogger;
}

/** The master's hooks, with their arguments. */
export interface MasterHooks {
  onStarting(server: ArbiterHookContext): unknown;
  onReload(server: ArbiterHookContext): unknown;
  whenReady(server: ArbiterHookContext): unknown;
  preFork(server: ArbiterHookContext, worker: WorkerHookInfo): unknown;
  workerAbort(server: ArbiterHookContext, worker: WorkerHookInfo): unknown;
  childExit(server: ArbiterHookContext, worker: WorkerHookInfo): unknown;
  nworkersChanged(server: ArbiterHookContext, newValue: number, oldValue: number): unknown;
  preExec(server: ArbiterHookContext): unknown;
  onExit(server: ArbiterHookContext): unknown;
}

/** The server as a worker's hooks see it: its settings and the worker's log (the master's sockets are not the worker's to report). */
export interface WorkerServerContext {
  readonly settings: Readonly<AppserverSettings>;
  readonly log: TsgiLogger;
}

/** The workers' hooks, with their arguments. */
export interface WorkerHooks {
  postFork(server: WorkerServerContext, worker: WorkerHookContext): unknown;
  postWorkerInit(worker: WorkerHookContext): unknown;
  workerInt(worker: WorkerHookContext): unknown;
  preRequest(worker: WorkerHookContext, req: IncomingMessage): unknown;
  postRequest(worker: WorkerHookContext, req: IncomingMessage, res: ServerResponse): unknown;
  workerExit(server: WorkerServerContext, worker: WorkerHookContext): unknown;
}

/** The names of the hooks that run in the workers (the worker imports the config file only when one is set). */
export const WORKER_HOOK_NAMES = ['postFork', 'postWorkerInit', 'workerInt', 'preRequest', 'postRequest', 'workerExit'] as const satisfies readonly (keyof WorkerHooks)[];

/** The settings that are hooks (config-file only, not sent to the workers). */
export const HOOK_NAMES = [
  'onStarting',
  'onReload',
  'whenReady',
  'preFork',
  'postFork',
  'postWorkerInit',
  'workerInt',
  'workerAbort',
  'preRequest',
  'postRequest',
  'childExit',
  'workerExit',
  'nworkersChanged',
  'preExec',
  'onExit',
] as const satisfies readonly (keyof MasterHooks | keyof WorkerHooks)[];

/** A hook's name. */
export type HookName = (typeof HOOK_NAMES)[number];

/**
 * Calls one hook if it is set. A throw or a rejection is logged as `<name> hook failed: ...` and
 * goes no further. Resolves when the hook has settled (await it where the moment must wait,
 * e.g. onStarting; leave it where it must not, e.g. preFork).
 *
 * @example
 * ```ts
 * await callHook(log, 'onReload', settings.onReload, ctx);
 * ```
 */
export function callHook<A extends unknown[]>(log: TsgiLogger, name: HookName, hook: ((...args: A) => unknown) | null | undefined, ...args: A): Promise<void> {
  if (hook === null || hook === undefined) return Promise.resolve();
  try {
    return Promise.resolve(hook(...args)).then(
      () => undefined,
      (err: unknown) => log.error(`${name} hook failed: ${errorText(err)}`),
    );
  } catch (err) {
    log.error(`${name} hook failed: ${errorText(err)}`);
    return Promise.resolve();
  }
}

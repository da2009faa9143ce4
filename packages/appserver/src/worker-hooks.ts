/**
 * The config file's worker hooks, inside a worker: postFork, postWorkerInit, workerInt,
 * preRequest, postRequest, workerExit (hooks.ts has the table). Functions cannot travel over
 * IPC and node has no fork() to inherit them, so a worker whose master says the config file
 * sets one imports the config file itself; without one nothing is imported and no request is
 * wrapped.
 * @module
 */
import { requestIdOf } from 'tsgi-head-gate';
import { loadConfigFile } from './config-file.js';
import { callHook, type WorkerHookContext, type WorkerHooks, type WorkerServerContext } from './hooks.js';
import { wrapHandler, type RequestHandler } from './request-handler.js';
import type { WorkerSettings } from './ipc.js';
import type { ServerLogger } from './logger.js';

type Hooks = { readonly [K in keyof WorkerHooks]: WorkerHooks[K] | null };

const NONE: Hooks = { postFork: null, postWorkerInit: null, workerInt: null, preRequest: null, postRequest: null, workerExit: null };

/**
 * The worker hooks of one worker, called at their moments by worker.ts.
 *
 * @example
 * ```ts
 * const hooks = await WorkerHookRunner.load(settings, ['preRequest'], { id: 1, pid: process.pid, generation: 1, log }, log);
 * server.on('request', hooks.wrapRequests(handler));
 * ```
 */
export class WorkerHookRunner {
  readonly #hooks: Hooks;
  readonly #worker: WorkerHookContext;
  readonly #server: WorkerServerContext;
  readonly #log: ServerLogger;

  private constructor(hooks: Hooks, settings: WorkerSettings, worker: WorkerHookContext, log: ServerLogger) {
    this.#hooks = hooks;
    this.#worker = worker;
    this.#server = Object.freeze({ settings: settings as WorkerServerContext['settings'], log });
    this.#log = log;
  }

  /**
   * Imports the config file when `names` (the worker hooks it sets, as the master saw it) is not
   * empty. A config file that no longer loads (edited since the master read it) is logged and
   * the worker runs without hooks: hooks never stop a worker.
   */
  static async load(settings: WorkerSettings, names: readonly string[], worker: WorkerHookContext, log: ServerLogger): Promise<WorkerHookRunner> {
    if (names.length === 0 || settings.config === null) return new WorkerHookRunner(NONE, settings, worker, log);
    try {
      const config = await loadConfigFile(settings.config);
      const hooks = { ...NONE };
      for (const name of Object.keys(NONE) as (keyof Hooks)[]) {
        const fn = config[name];
        if (typeof fn === 'function') (hooks as Record<string, unknown>)[name] = fn;
      }
      return new WorkerHookRunner(hooks, settings, worker, log);
    } catch (err) {
      log.error('worker %d: the config file could not be loaded for its worker hooks; running without them: %s', worker.id, err instanceof Error ? err.message : String(err));
      return new WorkerHookRunner(NONE, settings, worker, log);
    }
  }

  /** First thing in the worker, before the app loads. */
  postFork(): Promise<void> {
    return callHook(this.#log, 'postFork', this.#hooks.postFork, this.#server, this.#worker);
  }

  /** The app is loaded and started; the worker is about to accept. */
  postWorkerInit(): Promise<void> {
    return callHook(this.#log, 'postWorkerInit', this.#hooks.postWorkerInit, this.#worker);
  }

  /** INT or QUIT arrived. */
  workerInt(): Promise<void> {
    return callHook(this.#log, 'workerInt', this.#hooks.workerInt, this.#worker);
  }

  /** The graceful stop is over; the worker exits next. */
  workerExit(): Promise<void> {
    return callHook(this.#log, 'workerExit', this.#hooks.workerExit, this.#server, this.#worker);
  }

  /**
   * Wraps the request handler with preRequest and postRequest when either is set; otherwise
   * returns it as it is (no per-request cost without these hooks).
   */
  wrapRequests(handler: RequestHandler): RequestHandler {
    const { preRequest, postRequest } = this.#hooks;
    if (preRequest === null && postRequest === null) return handler;
    const worker = this.#worker;
    const log = this.#log;
    return wrapHandler(handler, (inner) => (req, res) => {
      if (preRequest !== null) void callHook(log, 'preRequest', preRequest, worker, req);
      // The hook sees the request id in req.headers, as the access log does (made on first read: tsgi's requestIdOf).
      if (postRequest !== null) {
        res.once('close', () => {
          requestIdOf(req);
          void callHook(log, 'postRequest', postRequest, worker, req, res);
        });
      }
      inner(req, res);
    });
  }
}

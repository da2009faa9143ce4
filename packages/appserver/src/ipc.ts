/**
 * The messages between the master and its workers over the IPC channel of child_process.fork.
 * Accepted connections travel as handles attached to `connection` messages
 * (connection-dispatcher.ts); everything else is plain JSON.
 * @module
 */
import type { AppserverErrorCode } from './errors.js';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { HookName } from './hooks.js';
import type { AppserverSettings } from './settings.js';

/** Settings a worker needs (the JSON-safe ones; functions do not travel: a worker with hooks imports the config file). */
export type WorkerSettings = Omit<AppserverSettings, HookName>;

/** Master -> worker: who you are and what to serve. Sent first. */
export interface BootMessage {
  readonly type: 'boot';
  readonly id: number;
  readonly settings: WorkerSettings;
  /** The worker hooks the config file sets (the worker imports it only when there is one). */
  readonly workerHooks: readonly string[];
  /** The reload generation the worker belongs to (for hooks). */
  readonly generation: number;
}

/**
 * Master -> worker: one accepted connection (its handle rides along). The worker answers with an
 * {@link AcceptedMessage}; until then the master keeps its own copy of the handle.
 */
export interface ConnectionMessage {
  readonly type: 'connection';
}

/**
 * Worker -> master: the answer to a {@link ConnectionMessage}. `true`: the worker serves the
 * connection (the master closes its copy); `false`: it is stopping, the master gives the
 * connection to another worker.
 */
export interface AcceptedMessage {
  readonly type: 'accepted';
  readonly accepted: boolean;
}

/**
 * Master -> worker: stop gracefully (as SIGTERM does). It travels on the same channel as the
 * connections, after them, so every connection handed before it is served.
 */
export interface StopMessage {
  readonly type: 'stop';
}

/** Worker -> master: accepting connections. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly interface: 'tsgi' | 'node';
  readonly reason: string;
  readonly app: string;
}

/** Worker -> master: it cannot serve; the master stops the whole server with this error. */
export interface BootErrorMessage {
  readonly type: 'boot-error';
  readonly code: AppserverErrorCode;
  readonly message: string;
}

/** Worker -> master, once a second with --metrics-bind: its request figures as prom-client JSON (request-metrics.ts). */
export interface MetricsMessage {
  readonly type: 'metrics';
  readonly metrics: MetricObjectWithValues<MetricValue<string>>[];
}

/**
 * Worker -> master, from the worker's event loop every heartbeat interval (--timeout): it is
 * alive. It carries the request lines in flight (the first few), which the master logs if the
 * worker later goes silent and is killed.
 */
export interface HeartbeatMessage {
  readonly type: 'heartbeat';
  readonly requests: readonly string[];
}

/**
 * Worker -> master: replace me (--max-requests reached, or RSS over --max-worker-memory). The
 * worker keeps serving; the master starts its replacement and stops it once that one is ready.
 */
export interface RetireMessage {
  readonly type: 'retire';
  /** Why, for the log: `"200 requests (--max-requests 200)"`, `"RSS 161.2 MB over --max-worker-memory 150 MB"`. */
  readonly reason: string;
}

/**
 * How often a worker beats for a given --timeout (seconds): four beats per timeout, at most one
 * a second, so one late beat never looks like a hang. The master checks as often.
 */
export function heartbeatIntervalMs(timeout: number): number {
  return Math.max(10, Math.min(1000, Math.round(timeout * 250)));
}

/** Any message the master sends. */
export type ToWorker = BootMessage | ConnectionMessage | StopMessage;
/** Any message a worker sends. */
export type FromWorker = ReadyMessage | BootErrorMessage | HeartbeatMessage | RetireMessage | MetricsMessage | AcceptedMessage;

/** Narrowing for messages arriving from the other side. */
export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return value !== null && typeof value === 'object' && (value as { type?: unknown }).type === type;
}

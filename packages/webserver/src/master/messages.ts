/**
 * The messages between the master and its workers (node:cluster IPC).
 * @module
 */
import type { CounterSnapshot } from '../status/counters.js';
import type { BoundAddress } from '../server/web-server.js';

/** Master -> worker. */
export type ToWorker =
  /** `ticketKeys`: the TLS session ticket keys (base64, the encrypting one first). */
  | { readonly type: 'start'; readonly file: string; readonly text: string; readonly worker: number; readonly ticketKeys: readonly string[] }
  /** The master rotated the ticket keys. */
  | { readonly type: 'ticket-keys'; readonly keys: readonly string[] }
  | { readonly type: 'drain' }
  | { readonly type: 'stop' }
  | { readonly type: 'reopen' }
  | { readonly type: 'collect'; readonly id: number }
  | { readonly type: 'status'; readonly id: number; readonly snapshot: CounterSnapshot; readonly workers: number };

/** Worker -> master. */
export type ToMaster =
  | { readonly type: 'hello' }
  | { readonly type: 'ready'; readonly addresses: readonly BoundAddress[] }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'status?'; readonly id: number }
  | { readonly type: 'counters'; readonly id: number; readonly snapshot: CounterSnapshot }
  /** Sent by a worker that drained, so its totals outlive it (nginx keeps them across reloads). */
  | { readonly type: 'final'; readonly snapshot: CounterSnapshot };

/** Env var set on forked workers: run as a worker of this master. */
export const WORKER_ENV = 'TSGI_WEBSERVER_WORKER';

/** Ticket keys travel over IPC as base64 strings. */
export const encodeKeys = (keys: readonly Buffer[]): string[] => keys.map((k) => k.toString('base64'));
export const decodeKeys = (keys: readonly string[]): Buffer[] => keys.map((k) => Buffer.from(k, 'base64'));

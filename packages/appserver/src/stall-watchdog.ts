/**
 * Which request a blocked worker was running (for the master's `WORKER TIMEOUT` line).
 *
 * The heartbeat (worker.ts) carries the request lines in flight, but a handler that blocks the
 * event loop right on arrival started after the last heartbeat, and a blocked loop sends
 * nothing more. So each request start also writes its request line into a SharedArrayBuffer
 * slot, and a worker thread (its own event loop, which the blocked main loop cannot hold up)
 * watches the main loop's beat counter in the same buffer: once it has not moved for two beat
 * intervals, the thread writes one line of JSON to an extra pipe the master reads
 * (fd {@link WATCHDOG_FD}): how long the loop has been stuck and the last request that started
 * before it stuck. No message per request crosses to the master.
 *
 * Per-request cost, measured (Node 20, 2-core machine, 10^6 calls, a 36-byte request line):
 * {@link StallWatchdog.noteRequest} ~40-80 ns; in-flight-requests.ts's Set and shared 'close'
 * listener ~65 ns more. A loopback request through one worker costs ~170-320 µs on the same
 * shared machine (autocannon, 10 connections: 3.1k requests/s average, 5.8k peak), so the two
 * together are under 0.1 %. Only with --timeout on (the default); the slot is not a speed trick but the
 * only place a blocked loop's last request can be read from.
 *
 * The thread is needed only between a request's start and the next beat (the beat names every
 * request in flight), so a worker that has started no request for {@link RETIRE_BEATS} beats
 * stops it, and the next request starts a new one before its handler runs. A thread is a second
 * V8 isolate: an idle worker gives back what terminating it frees (measured 2026-12-07, VmRSS of
 * a bare script 10 s after, the thread started with these limits: Node 20 49.0 MB with the thread
 * running, 45.3 after terminate(), 42.6 without one; Node 24 60.4, 55.1, 44.8; twenty
 * start/terminate cycles left 45.2, so nothing accumulates). A start costs the main thread
 * ~0.9 ms once per idle spell (the thread is online ~47 ms later on another core); a thread
 * started that way counts a stall from its own start, which the request that started it follows.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { Worker } from 'node:worker_threads';

/** The fd of the pipe from each worker's watchdog thread to the master (after stdin, stdout, stderr, IPC). */
export const WATCHDOG_FD = 4;

/** Set by the master in each worker's environment when fd {@link WATCHDOG_FD} is its pipe. */
export const WATCHDOG_ENV = 'TSGI_APPSERVER_WATCHDOG_FD';

/** Longest request line kept in the slot (longer ones are cut: the log needs the start). */
const SLOT_BYTES = 512;

/** Int32 fields at the start of the buffer. */
const BEAT = 0;
const SEQ = 1;
const LENGTH = 2;
/** SEQ as it was at the latest beat, written by the main thread (the thread's polls would race it). */
const SEQ_AT_BEAT = 3;
const HEADER_INTS = 4;

/** Copies `text` (latin1) into `bytes` from `at`, as much as fits; returns the new end. */
function copyLatin1(bytes: Uint8Array, at: number, text: string): number {
  const end = Math.min(bytes.length, at + text.length);
  for (let i = at; i < end; i++) bytes[i] = text.charCodeAt(i - at);
  return end;
}

/** What the watchdog thread reports; the master keeps the latest per worker. */
export interface StallReport {
  /** How long the main event loop had not beaten when this was written (ms). */
  readonly stalledMs: number;
  /** The last request line that started on this worker, if one started since the last beat. */
  readonly startedSinceBeat: string | undefined;
}

/**
 * The thread's heap: it holds a few numbers and one line of text, so V8's defaults (sized for an
 * app) are more than it uses. Measured 2026-12-07 (an idle tsgi-appserver -w 1 worker with a
 * TSGI app, VmRSS after 20 requests and 10 s idle, three runs each, before and after in turn):
 * Node 20 63.3-65.7 MB with the defaults, 62.7-62.9 with these limits; Node 24 84.9-85.8 and
 * 84.8-86.7 (no difference). A thread that outgrows them dies with an 'error', which
 * {@link StallWatchdog.start} hands to `onError`.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 2, stackSizeMb: 1 };

/**
 * The thread's program (plain JavaScript, run with `eval`: it must not load tsx or the app).
 * It polls at the beat interval; a report goes out once per stall, when the beat counter has
 * been still for two intervals.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { buffer, fd, intervalMs } = workerData;
const ints = new Int32Array(buffer, 0, ${HEADER_INTS});
const bytes = new Uint8Array(buffer, ${HEADER_INTS * 4});
let beat = Atomics.load(ints, ${BEAT});
let beatAt = Date.now();
let reported = false;
setInterval(() => {
  const now = Date.now();
  const b = Atomics.load(ints, ${BEAT});
  if (b !== beat) {
    beat = b;
    beatAt = now;
    reported = false;
    return;
  }
  if (reported || now - beatAt < 2 * intervalMs) return;
  reported = true;
  const seq = Atomics.load(ints, ${SEQ});
  const seqAtBeat = Atomics.load(ints, ${SEQ_AT_BEAT});
  const length = Atomics.load(ints, ${LENGTH});
  const line = seq !== seqAtBeat ? Buffer.from(bytes.subarray(0, length)).toString('latin1') : undefined;
  try {
    writeSync(fd, JSON.stringify({ stalledMs: now - beatAt, startedSinceBeat: line }) + '\\n');
  } catch {}
}, intervalMs);
`;

/** What the worker hears from its watchdog. */
export interface WatchdogEvents {
  /** The thread failed (it could not start, or died); no other is started. */
  onError(error: Error): void;
  /** The thread was stopped: no request started for {@link RETIRE_BEATS} beats. */
  onIdle?(): void;
}

/**
 * Beats without a request start after which the thread stops (5 s at the default --timeout 30,
 * whose beat is 1 s; a beat is a quarter of --timeout, at most 1 s).
 */
export const RETIRE_BEATS = 5;

/**
 * The worker side of stall reporting: the shared slot and its watching thread, which runs while
 * requests start and stops when the worker is idle.
 *
 * @example
 * ```ts
 * const watchdog = StallWatchdog.start(1000, { onError: (error) => console.warn(error.message) });
 * setInterval(() => watchdog?.beat(), 1000).unref(); // from the main event loop
 * server.on('request', (req) => watchdog?.noteRequest(req));
 * ```
 */
export class StallWatchdog {
  readonly #ints: Int32Array;
  readonly #line: Uint8Array;
  readonly #threadData: { buffer: SharedArrayBuffer; fd: number; intervalMs: number };
  readonly #source: string;
  readonly #events: WatchdogEvents;
  #thread: Worker | undefined;
  /** A thread failed: no other is started (each would fail the same way and warn again). */
  #failed = false;
  /** Beats in a row at which no request had started since the one before. */
  #idleBeats = 0;

  private constructor(buffer: SharedArrayBuffer, fd: number, intervalMs: number, events: WatchdogEvents, source: string) {
    this.#ints = new Int32Array(buffer, 0, HEADER_INTS);
    this.#line = new Uint8Array(buffer, HEADER_INTS * 4, SLOT_BYTES);
    this.#threadData = { buffer, fd, intervalMs };
    this.#events = events;
    this.#source = source;
  }

  /**
   * Starts the thread, when the master gave this worker the pipe ({@link WATCHDOG_ENV}); else
   * undefined. `onError`: the thread failed (it could not start, or died); the worker goes on
   * without it, and a blocked loop's report then names only the requests of its last heartbeat.
   * `onIdle`: the thread was stopped for want of requests (it starts again with the next).
   * `source` is the thread's program (tests give a failing one).
   */
  static start(intervalMs: number, events: WatchdogEvents, source: string = THREAD_SOURCE): StallWatchdog | undefined {
    const fd = Number(process.env[WATCHDOG_ENV]);
    if (!Number.isInteger(fd) || fd <= 2) return undefined;
    const watchdog = new StallWatchdog(new SharedArrayBuffer(HEADER_INTS * 4 + SLOT_BYTES), fd, intervalMs, events, source);
    watchdog.#startThread();
    return watchdog;
  }

  /** Whether the thread runs (it stops while the worker is idle). */
  get watching(): boolean {
    return this.#thread !== undefined;
  }

  /** The main event loop is alive (called with each heartbeat); stops the thread once idle. */
  beat(): void {
    const seq = Atomics.load(this.#ints, SEQ);
    this.#idleBeats = seq === Atomics.load(this.#ints, SEQ_AT_BEAT) ? this.#idleBeats + 1 : 0;
    Atomics.store(this.#ints, SEQ_AT_BEAT, seq);
    Atomics.add(this.#ints, BEAT, 1);
    if (this.#idleBeats >= RETIRE_BEATS && this.#thread !== undefined) {
      this.#stopThread(this.#thread);
      this.#events.onIdle?.();
    }
  }

  /**
   * A request starts: its line goes into the slot, and the thread starts again if the worker had
   * stopped it while idle. Written char by char: node's request line strings are latin1
   * (llhttp's bytes), and this loop measured ~80 ns against ~320-580 ns for three Buffer#write
   * calls.
   */
  noteRequest(req: IncomingMessage): void {
    const bytes = this.#line;
    let n = copyLatin1(bytes, 0, req.method ?? '');
    n = copyLatin1(bytes, n, ' ');
    n = copyLatin1(bytes, n, req.url ?? '');
    n = copyLatin1(bytes, n, ' HTTP/');
    n = copyLatin1(bytes, n, req.httpVersion);
    this.#ints[LENGTH] = n;
    Atomics.add(this.#ints, SEQ, 1);
    if (this.#thread === undefined) this.#startThread();
  }

  #startThread(): void {
    if (this.#failed) return;
    let thread: Worker;
    try {
      thread = new Worker(this.#source, { eval: true, execArgv: [], workerData: this.#threadData, resourceLimits: THREAD_LIMITS });
    } catch (error) {
      // Started from noteRequest, a throw would fail the request that started it.
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Without a listener a thread's error would be thrown in the main thread and end the worker.
    thread.on('error', (error: Error) => {
      if (this.#thread === thread) this.#thread = undefined;
      this.#fail(error);
    });
    thread.unref();
    this.#thread = thread;
  }

  #fail(error: Error): void {
    this.#failed = true;
    this.#events.onError(error);
  }

  #stopThread(thread: Worker): void {
    this.#thread = undefined;
    // terminate() settles once the thread has exited; nothing waits for it.
    thread.terminate().catch(() => {});
  }
}

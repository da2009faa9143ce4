/**
 * Giving back the memory a worker took under load once it goes idle (tsgi-appserver's
 * --release-memory-after, tsgi-webserver's worker_release_memory_after).
 *
 * Under load V8 grows the heap for throughput: the young generation of a worker serving standard
 * `Response`s grows from 1-4 MB to 32 MB (node itself builds objects per Response that outlive a
 * young-generation GC), and the old generation keeps the pages that held promoted garbage. A
 * worker that then sits idle keeps all of it: V8's memory reducer never ran in a worker's main
 * isolate in these measurements (over a minute idle), though it does in a bare script. Measured
 * 2026-12-07 (Node 20, VmRSS 10-15 s after 100,000 requests at 10 connections): a TSGI app's
 * worker answering standard Responses 93-104 MB, its young generation 32 MB committed with 5 MB
 * used (node:http building one `new Response()` a request, nothing else, ends at 91.6 MB; without
 * it 55.5); with this release, 62-72 MB in three runs of four, the fourth kept the young
 * generation at 88 MB. The demo project's worker: 141-147 MB after load against 97 MB after 20
 * requests.
 *
 * So a worker that has started no request for the setting's seconds, and has none in flight,
 * runs a full GC (10-55 ms measured on a 10 MB live heap), and up to two more 100 ms apart while
 * they keep giving memory back (see `#collect`), once per idle spell: the next request starts a
 * new spell. On Node 20 a young-generation GC 5 s before the release prepares it (see
 * PREPARE_BEFORE_MS). A request arriving during a GC waits for it. V8 shrinks the young
 * generation only when the allocation rate is low, which is why this waits for idleness rather
 * than running right after the last response.
 *
 * node exposes no GC call without `--expose-gc`, which would also give every app a global `gc`.
 * The function is taken from a fresh vm context with the flag set only around that (the pattern
 * Jest's --logHeapUsage uses); where that fails, the release is off and a warning says so once.
 * @module
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()` as `--expose-gc` gives it. */
export type CollectGarbage = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/** V8's `gc()`, taken from a fresh context with `--expose-gc` set only around that; throws when unavailable. */
export function exposedGc(): CollectGarbage {
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    if (typeof gc !== 'function') throw new Error('V8 did not expose gc() to a new context');
    return gc as CollectGarbage;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

const V8_MAJOR = Number(process.versions.v8.split('.')[0]);

/** Most GCs one idle spell runs while they keep giving memory back. */
const MAX_RELEASES = 3;

/**
 * The wait before a follow-up GC. V8 does not need time between the steps: `tsgi-appserver -w 1`
 * serving standard Responses, 20,000 requests, RSS read 9 s and 12 s after them, two runs each
 * (2026-12-07, Node 20): with the follow-ups a poll (1 s) apart 67.5 / 61.3 and 66.8 / 61.2 MB,
 * 100 ms apart 61.3 / 61.3 and 61.2 / 61.2 (the same end, two seconds sooner).
 */
const FOLLOW_UP_MS = 100;

/**
 * How long before the release V8 11 (Node 20) is given a young-generation GC. V8 gives the young
 * generation back after a GC only when it judges the allocation rate of its last few seconds low,
 * and the garbage the last young GC under load left behind can make the release's GCs judge it
 * high, keeping 32 MB committed. A young GC this long before the release takes that garbage out of
 * the release's seconds. Measured 2026-12-08 (the demo project on tsgi-appserver -w 1, Node 20,
 * 20,000 requests, then idle; V8's committed heap after the release's GCs): 43.0-43.5 MB in five
 * runs of five without it (worker RSS 108-111 MB), 12.0-12.2 MB in three of three with it (RSS
 * 80-85 MB; the first GC still keeps the young generation, the follow-up gives it back). The cost:
 * one young GC (~1 ms on an idle worker) per idle spell. V8 12+ (Node 22+) needs none:
 * the release's last-resort GC reduces the young generation itself.
 */
const PREPARE_BEFORE_MS = 5000;

/** Whether the spell's release is prepared by a young-generation GC (see PREPARE_BEFORE_MS). */
const PREPARES = V8_MAJOR < 12;

/** A GC that gave back at least this much committed V8 heap is followed by another FOLLOW_UP_MS later. */
const WORTH_ANOTHER_BYTES = 1024 * 1024;

/**
 * Whether a GC that gave back `givenBack` bytes of committed heap is followed by another: while
 * a GC gives back 1 MB or more, or the young generation stays above twice its size at start.
 * Internal (exported for its test).
 */
export function worthAnotherGc(givenBack: number, young: number, youngAtStart: number): boolean {
  return givenBack >= WORTH_ANOTHER_BYTES || young > youngAtStart * 2;
}

/** The young generation's committed size now. */
function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/** Whether the user runs node with V8's `--compact-on-every-full-gc` (then the release leaves it on; NODE_OPTIONS cannot carry it). */
const USER_COMPACTS = process.execArgv.includes('--compact-on-every-full-gc');

/**
 * One full GC that gives memory back. V8 12+ (Node 22+) takes `flavor: 'last-resort'`: GCs
 * that reduce the footprint, as V8's own memory reducer runs them (Node 24: 101-109 MB -> 90-98
 * after load; a plain full GC left 109). V8 11 (Node 20) reads any argument as a request for a
 * young-generation GC, so there: that, then a full one with no argument (three releases in four
 * took the heap from 51-57 to 12-20 MB, RSS ~98 -> 62-70 MB).
 *
 * V8 11's full GC also moves live objects out of sparse old-generation pages only when told to
 * (the last-resort GC does it on V8 12+), so V8's `--compact-on-every-full-gc` is set around that
 * one GC: a synthetic old generation with every other object dropped, heapTotal 87.4 -> 87.4 MB
 * by a plain full GC, 87.4 -> 62.7 with it (Node 24's last-resort GC: 119.8 -> 33.0);
 * `tsgi-appserver -w 1` serving standard Responses, 12 s after 20,000 requests, two runs each
 * alternated (2026-12-07): V8 heap 11 -> 9.5 MB, RSS 61.1-61.4 -> 59.3-59.6 MB, the first GC of a
 * spell 20-25 -> 36-53 ms. Only the spell's first GC (`compact`) moves objects: compacting the
 * follow-ups too kept 0.1-0.4 MB less (59.3-59.6 against 59.7) for 30 ms a GC instead of 10.
 */
function releaseHeap(gc: CollectGarbage, compact: boolean): void {
  if (V8_MAJOR >= 12) {
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return;
  }
  gc({ type: 'minor' });
  if (USER_COMPACTS || !compact) return gc();
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** What the worker tells the release. */
export interface IdleMemoryEvents {
  /** Requests started since the worker began serving (a change means the worker is not idle). */
  started(): number;
  /** Whether a response is still in flight. */
  busy(): boolean;
  /** After each release, what it did, for a debug line: `released memory with a full GC in 29.7 ms (V8 heap 49 -> 12.2 MB)`. */
  onRelease(summary: string): void;
  /** The GC function could not be had: the release is off. */
  onUnavailable(error: Error): void;
}

/**
 * Runs a full GC (up to three, 100 ms apart, while they give memory back) once the worker has
 * started no request for `afterSeconds`.
 *
 * @example
 * ```ts
 * const release = IdleMemoryRelease.start(5, {
 *   started: () => inFlight.started,
 *   busy: () => inFlight.size > 0,
 *   onRelease: (summary) => log.debug('idle: %s', summary),
 *   onUnavailable: (error) => log.warn('no idle memory release: %s', error.message),
 * });
 * release?.stop();
 * ```
 */
export class IdleMemoryRelease {
  readonly #events: IdleMemoryEvents;
  readonly #source: () => CollectGarbage;
  #gc: CollectGarbage | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The next follow-up GC of this idle spell, when one is due. */
  #followUpTimer: NodeJS.Timeout | undefined;
  /** The request count at the last poll. */
  #seen = -1;
  /** Whether this idle spell's release has run. */
  #released = false;
  /** Polls in a row that saw no new request. */
  #quietPolls = 0;
  /** No GC function could be had: nothing more is tried. */
  #off = false;
  /** Releases run in this idle spell. */
  #releases = 0;
  /** The young generation's size when the worker started serving (its size with no load behind it). */
  readonly #youngAtStart = youngGenerationBytes();
  /** Quiet polls in a row that make an idle spell. */
  readonly #pollsToRelease: number;
  /** The quiet poll that prepares the release (PREPARE_BEFORE_MS before it, the first at the earliest). */
  readonly #pollToPrepare: number;

  private constructor(events: IdleMemoryEvents, source: () => CollectGarbage, intervalMs: number, afterSeconds: number) {
    this.#events = events;
    this.#source = source;
    this.#pollsToRelease = Math.ceil((afterSeconds * 1000) / intervalMs);
    this.#pollToPrepare = Math.max(1, this.#pollsToRelease - Math.ceil(PREPARE_BEFORE_MS / intervalMs));
  }

  /**
   * Starts polling; undefined when `afterSeconds` is 0 (never). A release runs between
   * `afterSeconds` and a second more after the last request started. `source` exists for tests.
   */
  static start(afterSeconds: number, events: IdleMemoryEvents, source: () => CollectGarbage = exposedGc): IdleMemoryRelease | undefined {
    if (afterSeconds <= 0) return undefined;
    const intervalMs = Math.min(1000, (afterSeconds * 1000) / 2);
    const release = new IdleMemoryRelease(events, source, intervalMs, afterSeconds);
    release.#timer = setInterval(() => release.poll(), intervalMs);
    release.#timer.unref();
    return release;
  }

  /** One look (every second at most): a new request resets the spell; enough quiet polls in a row with nothing in flight release. */
  poll(): void {
    if (this.#off) return;
    const started = this.#events.started();
    if (started !== this.#seen) {
      this.#seen = started;
      this.#released = false;
      this.#releases = 0;
      this.#quietPolls = 0;
      clearTimeout(this.#followUpTimer);
      this.#followUpTimer = undefined;
      return;
    }
    // A request that runs longer than the setting keeps its quiet polls: once it ends, the worker is idle.
    // The spell's first GC runs here; the follow-ups on their own timer (#collect).
    const quiet = ++this.#quietPolls;
    if (PREPARES && quiet === this.#pollToPrepare && !this.#events.busy()) this.#gcFunction()?.({ type: 'minor' });
    if (quiet < this.#pollsToRelease || this.#released || this.#releases > 0 || this.#events.busy()) return;
    this.#collect();
  }

  /** A follow-up GC, unless a request started or is in flight since the last one (the spell is over). */
  #followUp(): void {
    this.#followUpTimer = undefined;
    if (this.#events.started() !== this.#seen || this.#events.busy()) {
      this.#released = true;
      return;
    }
    this.#collect();
  }

  /** V8's gc(), taken the first time; undefined (and the release off, with a warning) when it cannot be had. */
  #gcFunction(): CollectGarbage | undefined {
    if (this.#gc !== undefined || this.#off) return this.#gc;
    try {
      this.#gc = this.#source();
    } catch (error) {
      this.#off = true;
      this.stop();
      this.#events.onUnavailable(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#gc;
  }

  #collect(): void {
    const gc = this.#gcFunction();
    if (gc === undefined) return;
    const before = process.memoryUsage().heapTotal;
    const startedAt = performance.now();
    releaseHeap(gc, this.#releases === 0);
    const ms = performance.now() - startedAt;
    const mb = (n: number) => Math.round(n / 104857.6) / 10;
    const after = process.memoryUsage().heapTotal;
    this.#events.onRelease(`released memory with a full GC in ${Math.round(ms * 10) / 10} ms (V8 heap ${mb(before)} -> ${mb(after)} MB)`);
    // Again FOLLOW_UP_MS later, up to MAX_RELEASES a spell, while a GC still gives back a lot or
    // the young generation stays grown. V8 shrinks in steps: after 20,000 standard Responses
    // (Node 20, serve(), heap spaces read 1 s after each GC) the first GC took the young
    // generation 8 -> 2 MB and left the old generation's 11.5 MB committed (RSS 70.8 -> 64.6),
    // the second 2 -> 1 and 11.5 -> 8.2 (60.5), the third 8.2 -> 7.7 (59.9). And V8 gives the
    // young generation back only when it judges the allocation rate low, which it now and then
    // does not (one release in four on Node 20 left the heap at 42-48 MB).
    this.#released = !worthAnotherGc(before - after, youngGenerationBytes(), this.#youngAtStart) || ++this.#releases >= MAX_RELEASES;
    if (!this.#released && this.#timer !== undefined) {
      this.#followUpTimer = setTimeout(() => this.#followUp(), FOLLOW_UP_MS);
      this.#followUpTimer.unref();
    }
  }

  /** Stops polling (the worker is stopping, or no GC function could be had). */
  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#followUpTimer);
    this.#timer = undefined;
    this.#followUpTimer = undefined;
  }
}

/**
 * Runs one corpus case against one server and says what happened: the statuses that came back
 * and what reached the app or upstream. Requests are attributed to the case by barrier requests
 * sent before and after it on their own connections (`GET <prefix>/__barrier__/N`): the app or
 * upstream records the barrier after anything the case caused, so a request that reached it
 * late is still counted for the right case, without a fixed sleep.
 * @module
 */
import type { HeadGateCase } from '../../packages/head-gate/corpus/requests.js';
import { HOST } from '../../packages/head-gate/corpus/requests.js';
import { rawExchange, type RawOutcome } from './raw-exchange.js';
import { canonicalLine, type Seen } from './recording.js';
import type { Target } from './servers.js';
import { waitFor } from 'tsgi-test-support';

/** What one case did on one server. */
export interface CaseOutcome {
  readonly statuses: readonly number[];
  /** Requests received whole, as {@link canonicalLine}. */
  readonly reaches: readonly string[];
  /** Everything recorded for the case, as received (incomplete heads included). */
  readonly seen: readonly Seen[];
  readonly raw: RawOutcome;
}

let barriers = 0;

/** Tracks, per server, where the previous case's records end. */
export class CaseRunner {
  readonly #target: Target;
  #cursor: number | undefined;

  constructor(target: Target) {
    this.#target = target;
  }

  /** Sends a barrier request and waits until it is recorded; returns the index just after it. */
  async #barrier(): Promise<number> {
    const t = this.#target;
    const line = `GET ${t.prefix}/__barrier__/${++barriers}`;
    const out = await rawExchange(t.port, `${line} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, { silenceMs: 5_000, maxMs: 10_000 });
    const from = this.#cursor ?? 0;
    const recorded = (): number | undefined => {
      const all = t.log.all();
      for (let i = from; i < all.length; i++) if (all[i]!.line === line) return i + 1;
      return undefined;
    };
    return waitFor(recorded, {
      timeoutMs: 5_000,
      what: () => `${t.name}: the barrier request ${line} to be recorded (statuses ${JSON.stringify(out.statuses)}, received ${JSON.stringify(out.received.slice(0, 200))}); server output:\n${t.output().slice(-2000)}`,
    });
  }

  /** Sends the case on a fresh connection and collects its outcome. */
  async run(c: HeadGateCase): Promise<CaseOutcome> {
    this.#cursor ??= await this.#barrier();
    const raw = await rawExchange(this.#target.port, c.raw);
    const start = this.#cursor;
    const end = await this.#barrier();
    this.#cursor = end;
    const seen = this.#target.log.all().slice(start, end - 1);
    return { statuses: raw.statuses, reaches: seen.filter((s) => s.complete).map((s) => canonicalLine(s.line)), seen, raw };
  }
}

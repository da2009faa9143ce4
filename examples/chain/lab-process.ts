/**
 * Processes a test runs inside network namespaces (netns-lab.ts): {@link LabProcess} keeps every
 * line a server prints with the time it arrived (a failover timeline is read from them), and
 * {@link LoadClient} drives load-client.ts, the client that lives in a namespace.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from 'tsgi-test-support';

/** One line of output and when this process read it (ms since the epoch). */
export interface TimedLine {
  readonly at: number;
  readonly text: string;
}

/** A server started in a namespace: its output, line by line, timed; stopped with a bounded wait. */
export class LabProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: TimedLine[] = [];
  readonly #exited: Promise<void>;

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (text) => this.lines.push({ at: Date.now(), text }));
    }
    child.once('error', (error) => this.lines.push({ at: Date.now(), text: `spawn failed: ${error.message}` }));
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything it printed, for failure messages. */
  output(): string {
    return `--- ${this.name} ---\n${this.lines.map((l) => l.text).join('\n')}`;
  }

  /** The first line matching `pattern` read at or after `since`; fails when it exits first or time runs out. */
  async waitForLine(pattern: RegExp, options: { since?: number; timeoutMs: number }): Promise<TimedLine> {
    const since = options.since ?? 0;
    return waitFor(
      () => {
        const line = this.lines.find((l) => l.at >= since && pattern.test(l.text));
        if (line) return line;
        if (!this.running) throw new Error(`${this.name} exited before printing ${pattern}\n${this.output()}`);
        return undefined;
      },
      { timeoutMs: options.timeoutMs, what: () => `${this.name} to print ${pattern}\n${this.output()}` },
    );
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
  async stop(): Promise<void> {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (!this.running) return;
      this.child.kill(signal);
      const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5_000).unref());
      if ((await Promise.race([this.#exited, timer])) !== 'late') return;
    }
  }
}

/** What a `load` command did. */
export interface LoadResult {
  readonly sent: number;
  readonly statuses: Record<string, number>;
  readonly errors: readonly string[];
  readonly slowestMs: number;
}

/** One answer to a `request` command. */
export interface ClientReply {
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
  readonly body?: string;
}

/** Drives load-client.ts over its stdin and stdout (one JSON object a line). */
export class LoadClient {
  readonly process: LabProcess;
  readonly #pending = new Map<number, (value: unknown) => void>();
  #next = 1;
  #ready = false;

  constructor(process: LabProcess) {
    this.process = process;
    createInterface({ input: process.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const value = JSON.parse(line) as { id?: number; ready?: boolean };
      if (value.ready) this.#ready = true;
      else if (value.id !== undefined) {
        this.#pending.get(value.id)?.(value);
        this.#pending.delete(value.id);
      }
    });
  }

  /** Resolves once the client has started; fails with its output when it exits first or time runs out. */
  async ready(timeoutMs: number): Promise<void> {
    await waitFor(() => {
      if (!this.#ready && !this.process.running) throw new Error(`the client exited before it was ready\n${this.process.output()}`);
      return this.#ready;
    }, { timeoutMs, what: () => `the client to start\n${this.process.output()}` });
  }

  #send<T>(command: object): { id: number; answer: Promise<T> } {
    const id = this.#next++;
    const answer = new Promise<T>((resolve) => this.#pending.set(id, resolve as (value: unknown) => void));
    this.process.child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    return { id, answer };
  }

  request(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<ClientReply> {
    return this.#send<ClientReply>({ op: 'request', method, path, ...options }).answer;
  }

  /** Starts a load; `done` resolves with what it did, `stop()` ends it early. */
  load(path: string, options: { count: number; concurrency: number; maxMs: number; keys?: number }): { done: Promise<LoadResult>; stop: () => Promise<unknown> } {
    const { id, answer } = this.#send<LoadResult>({ op: 'load', path, ...options });
    return { done: answer, stop: () => this.#send({ op: 'stop', load: id }).answer };
  }

  close(): void {
    this.process.child.stdin?.end();
  }
}

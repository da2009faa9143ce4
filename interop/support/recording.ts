/**
 * What reached an app or an upstream: every recording app and upstream of the interop tests
 * writes one {@link Seen} per request it received, and the test reads them back between two
 * barrier requests, so each case gets exactly the requests it caused.
 * @module
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizePath } from 'tsgi-head-gate';

/** One request as the app or upstream received it. */
export interface Seen {
  /** `METHOD target` as the app read it (a TSGI app: the path and query of `request.url`). */
  readonly line: string;
  /** The host the app was given: `new URL(request.url).host` for TSGI, the Host field otherwise. */
  readonly host: string | undefined;
  /** True when the whole body arrived; false when it failed or was cut (the head alone reached). */
  readonly complete: boolean;
}

/** Where a recorder writes. */
export type SeenSink = (seen: Seen) => void;

/** The env var naming the file an app in another process appends its {@link Seen} lines to. */
export const RECORD_ENV = 'HEAD_GATE_RECORD';

/** A sink appending JSON lines to the file named by {@link RECORD_ENV} (synchronously: the line is on disk before the app answers). */
export function fileSink(): SeenSink {
  return (seen) => {
    const file = process.env[RECORD_ENV];
    if (file === undefined) throw new Error(`${RECORD_ENV} is not set: the interop test names the file recording apps append to`);
    appendFileSync(file, `${JSON.stringify(seen)}\n`);
  };
}

/** What the test reads: every request recorded so far, in order. */
export interface SeenLog {
  all(): readonly Seen[];
}

/** An in-process log: the sink and the reader in one. */
export function memoryLog(): SeenLog & { sink: SeenSink } {
  const entries: Seen[] = [];
  return { all: () => entries, sink: (seen) => entries.push(seen) };
}

/** The lines a {@link fileSink} in another process wrote to `file`. */
export function fileLog(file: string): SeenLog {
  return {
    all: () =>
      readFileSync(file, 'latin1')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Seen),
  };
}

/**
 * The form `reaches` is written in: the path normalised as the gate's `normalizePath` does (dot
 * segments resolved, `%2e` as a dot, `\` as `/`, percent-encoded unreserved characters decoded),
 * the query kept as it is. A target that is not origin-form (`*`, or an absolute-form one that a
 * server failed to turn into a path) is kept as it came, so it never matches a path.
 *
 * @example
 * ```ts
 * canonicalLine('GET /%6Dnt/a/../echo?x=/../y'); // 'GET /mnt/echo?x=/../y'
 * ```
 */
export function canonicalLine(line: string): string {
  const space = line.indexOf(' ');
  const method = line.slice(0, space);
  const target = line.slice(space + 1);
  if (!target.startsWith('/')) return line;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  return `${method} ${normalizePath(path) ?? path}${q === -1 ? '' : target.slice(q)}`;
}

/** A recording upstream: a plain node:http server that records every request it receives and answers 200. */
export interface RecordingUpstream extends SeenLog {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts a recording upstream on a loopback ephemeral port: it records the raw method, url and
 * Host of each request once its body has ended (or as incomplete when the body is cut), and
 * answers `200 ok`.
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const log = memoryLog();
  const server: Server = createServer((req, res) => {
    const line = `${req.method ?? ''} ${req.url ?? ''}`;
    let done = false;
    req.on('end', () => {
      done = true;
      log.sink({ line, host: req.headers.host, complete: true });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    });
    req.on('close', () => {
      if (!done) log.sink({ line, host: req.headers.host, complete: false });
    });
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    all: log.all,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

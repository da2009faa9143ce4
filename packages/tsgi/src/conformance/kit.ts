/**
 * The shared machinery of the server suite: the started servers, the observation directory,
 * case registration with tags (skip/todo from the harness), and request helpers.
 * @module
 */
import { it, type TestContext } from 'node:test';
import type { ProbeApp, ServerHarness, StartedServer } from './harness.js';
import { exchange, rawHttpDefaults, type RawResponse } from './raw-http.js';
import { waitForObservation } from './observations.js';

/** What every case module gets. */
export interface Kit {
  readonly harness: ServerHarness;
  readonly probe: ProbeApp;
  /** The observation directory (`$TSGI_PROBE_DIR`). */
  dir(): string;
  /** Base URL of the root server: everything trusted on loopback, mounted at '', default limits. */
  root(): string;
  /** Base URL of the restricted server: no trusted proxy, mounted at /mnt, small limits. */
  restricted(): string;
  /** How long a case waits for something that should happen (a chunk, a close), in ms. */
  readonly waitMs: number;
  /** How long a case waits for the server to close a connection after a malformed request, in ms. */
  readonly closeWaitMs: number;
  /** A unique id for observations and `seen` markers. */
  id(prefix: string): string;
  /**
   * Registers one case: `[TAG] title`, honouring the harness's skip and todo lists. A case that
   * requires an extension is skipped as not applicable when the root server does not declare it.
   */
  test(tag: string, title: string, fn: () => Promise<void>, timeoutMs?: number, requires?: CaseRequirement): void;
  /** Waits for an observation the probe writes; fails with `what` if it never comes. */
  observation(name: string, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** What a case needs beyond a running server: the harness's error log, or an extension the server declares (SPEC 4.4). */
export type CaseRequirement = { readonly needs: 'errorLog' } | { readonly extension: string };

/** The limits of the restricted server; cases derive their oversize inputs from them. */
export const RESTRICTED_LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxRequestLineBytes: 1024,
  maxHeaderCount: 30,
  maxHeaderFieldBytes: 2048,
} as const;

/** The `tsgi.websocket` limits of the restricted server (S-WS cases). */
export const RESTRICTED_WEBSOCKET = {
  maxMessageBytes: 64 * 1024,
  pingIntervalMs: 300,
  idleTimeoutMs: 3_000,
} as const;

/** The mount path of the restricted server. */
export const RESTRICTED_MOUNT = '/mnt';

let counter = 0;

/** Builds the kit for one `describeServerConformance` call. */
export function createKit(harness: ServerHarness, probe: ProbeApp, servers: { root?: StartedServer; restricted?: StartedServer; dir?: string }): Kit {
  if (harness.timeoutMs !== undefined) rawHttpDefaults.responseTimeoutMs = harness.timeoutMs;
  const observationTimeoutMs = harness.timeoutMs ?? 10_000;
  let extensions: Promise<string[]> | undefined;
  /** What the root server declares in `server.extensions`, asked once through the probe's /echo. */
  const declares = async (name: string): Promise<boolean> => {
    extensions ??= send(kit.root(), 'GET', '/echo').then((response) => echoReport(response).context.server.extensions);
    return (await extensions).includes(name);
  };
  const kit: Kit = {
    harness,
    probe,
    waitMs: observationTimeoutMs,
    closeWaitMs: Math.min(5_000, observationTimeoutMs),
    dir() {
      if (servers.dir === undefined) throw new Error('the conformance kit has no observation directory (before() failed?)');
      return servers.dir;
    },
    root() {
      if (servers.root === undefined) throw new Error('the root server did not start; see the first failure');
      return servers.root.url;
    },
    restricted() {
      if (servers.restricted === undefined) throw new Error('the restricted server did not start; see the first failure');
      return servers.restricted.url;
    },
    id(prefix) {
      counter += 1;
      return `${prefix}-${process.pid}-${counter}`;
    },
    // 60 s: a case that starts its own server process (the lifespan cases) took over 30 s to start
    // one under tsx on a 2-core machine at load 15-19; a hung server still fails, only later.
    test(tag, title, fn, timeoutMs = 60_000, requires) {
      const missing = requires !== undefined && 'needs' in requires && harness.errorLog === undefined ? 'the harness exposes no errorLog()' : undefined;
      const skip = harness.skip?.[tag] ?? missing;
      const todo = harness.todo?.[tag];
      const known = harness.knownFailures?.[tag];
      const extension = requires !== undefined && 'extension' in requires ? requires.extension : undefined;
      const body =
        extension === undefined
          ? fn
          : async (t: TestContext) => {
              if (!(await declares(extension))) return t.skip(`not applicable: the server does not declare ${extension}`);
              await fn();
            };
      const run = known === undefined ? body : (t: TestContext) => expectFailure(tag, known, () => body(t));
      it(`[${tag}] ${title}${known === undefined ? '' : ` (known failure: ${known})`}`, { timeout: timeoutMs, ...(skip !== undefined ? { skip } : {}), ...(todo !== undefined ? { todo } : {}) }, run);
    },
    async observation(name, what, timeoutMs = observationTimeoutMs) {
      const value = await waitForObservation(this.dir(), name, timeoutMs);
      if (value === undefined || value === null || typeof value !== 'object') {
        throw new Error(`${what}: the probe never recorded "${name}" within ${timeoutMs} ms`);
      }
      return value as Record<string, unknown>;
    },
  };
  return kit;
}

/** Runs a case listed in `knownFailures`: it must fail, and the run fails if it passes. */
async function expectFailure(tag: string, reason: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch {
    return;
  }
  throw new Error(`[${tag}] passes now, but the harness lists it in knownFailures ("${reason}"): remove it from the list`);
}

/** `host:port` of a base URL, for Host header fields. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

/** Builds a request's bytes: request line, Host, the given fields, and the body (with Content-Length when given a body). */
export function rawRequest(
  base: string,
  method: string,
  target: string,
  options: { headers?: ReadonlyArray<readonly [string, string]>; body?: string; close?: boolean; version?: string } = {},
): string {
  const lines = [`${method} ${target} ${options.version ?? 'HTTP/1.1'}`, `Host: ${hostOf(base)}`];
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  if (options.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(options.body, 'latin1')}`);
  if (options.close !== false) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`;
}

/** Sends one request on a fresh connection and returns the final response. */
export function send(base: string, method: string, target: string, options: Parameters<typeof rawRequest>[3] = {}): Promise<RawResponse & { closed: boolean }> {
  return exchange(base, rawRequest(base, method, target, options), { head: method === 'HEAD' });
}

/** The probe's /echo report, parsed. */
export interface EchoReport {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  setCookie: string[];
  bodyNull: boolean;
  bodyLength: number;
  bodySha256: string;
  bodyChunks: number;
  signalAborted: boolean;
  violations: string[];
  call: { argumentCount: number; thisIsApp: boolean };
  logThrew: string | null;
  sameServerAsPrevious: boolean | null;
  sameContextAsPrevious: boolean | null;
  /** Context property names that are neither SPEC 4.0 fields nor extension names (SPEC 4.0.4). */
  extraContextFields: string[];
  context: Record<string, unknown> & {
    remoteAddress: string;
    remotePort: number;
    client: { address: string; port: number | null };
    localAddress: string;
    localPort: number;
    serverName: string;
    scheme: string;
    protocol: string;
    rawHeaders: string[];
    mountPath: string;
    state: Record<string, unknown>;
    worker: { id: number; pid: number };
    server: { software: string; tsgiVersion: string; extensions: string[]; limits: Record<string, number> };
  };
}

/** Parses a response from /echo, failing with the status and body when it is not a 200 JSON report. */
export function echoReport(response: RawResponse): EchoReport {
  if (response.status !== 200) throw new Error(`/echo answered ${response.status}: ${response.body.toString('utf8').slice(0, 500)}`);
  return JSON.parse(response.body.toString('utf8')) as EchoReport;
}

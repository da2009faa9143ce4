/**
 * What a server author hands the conformance kit: how to start their server with the probe app.
 * @module
 */
import type { TsgiApp, TsgiLimits } from '../types.js';
import type { TsgiWebSocketLimits } from '../websocket.js';

/** The probe app, given both as an object (in-process servers) and as a module (process-based servers). */
export interface ProbeApp {
  /** The probe app itself, for servers that run in the test process. */
  readonly app: TsgiApp;
  /** Absolute path of the probe module (`probe-app.ts` from source, `probe-app.js` from dist), for servers that load apps from files. */
  readonly module: string;
  /** The export to load: `application` normally, `failingStartupApplication` for the failing-startup case. */
  readonly exportName: 'application' | 'functionApplication' | 'failingStartupApplication' | 'notAnApplication' | 'futureApplication' | 'fetchServerHandler';
}

/**
 * The server configuration a case needs. A harness MUST honour every field: the kit passes
 * the loopback-trusting root configuration to most cases, and an untrusting, mounted, tightly
 * limited one to the proxy, mount and limit cases.
 */
export interface ProbeServerConfig {
  /** Trusted proxies as IPs/CIDRs; `[]` trusts nobody. */
  readonly trustedProxies: readonly string[];
  /** Where the app is mounted: `''` or `/prefix`. */
  readonly mountPath: string;
  /** Limits to enforce on top of the server's defaults. */
  readonly limits: Partial<TsgiLimits>;
  /**
   * Limits of the `tsgi.websocket` extension, for a server that declares it (the restricted
   * configuration's are small, so the S-WS cases see a 1009, a ping and an idle close quickly).
   */
  readonly websocket?: Partial<TsgiWebSocketLimits>;
}

/** A started server: its base URL (`http://127.0.0.1:PORT`, no trailing slash needed) and how to stop it. */
export interface StartedServer {
  readonly url: string;
  /** Stops the server gracefully: drain in-flight requests and waitUntil promises, run shutdown. */
  close(): Promise<void>;
}

/**
 * The one thing a server author writes to run the kit.
 *
 * The probe writes cross-request observations (completion, waitUntil, cancellation) as files
 * in the directory named by the environment variable `TSGI_PROBE_DIR`, which the kit sets
 * before calling `start`: a process-based server MUST pass its environment to its workers.
 *
 * @example In-process, with tsgi's own serve():
 * ```ts
 * const harness: ServerHarness = {
 *   async start(probe, config) {
 *     const server = await serve(probe.app, { port: 0, ...config });
 *     return { url: server.url, close: () => server.close() };
 *   },
 * };
 * ```
 */
export interface ServerHarness {
  start(probe: ProbeApp, config: ProbeServerConfig): Promise<StartedServer>;
  /** Cases to skip (by tag, e.g. `S-MOUNT-404`) with the reason, for documented deviations. */
  readonly skip?: Readonly<Record<string, string>>;
  /**
   * The server's error log so far (one string per entry, message and details joined), when the
   * harness can capture it; enables the case that errors are logged with the request line.
   */
  errorLog?(): readonly string[];
  /**
   * Longest wait for one response or one probe observation, in ms (default 15000 and 10000).
   * Lower it only for servers expected to fail many cases (self-tests).
   */
  readonly timeoutMs?: number;
  /** Cases expected to fail for now (by tag), reported as node:test `todo` with the reason. */
  readonly todo?: Readonly<Record<string, string>>;
  /**
   * Cases this server is known to fail (by tag), with the reason, for servers whose authors cannot
   * fix them (a third-party host). Each still runs and must fail: one that passes fails the run
   * ("passes now: remove it"), so a published pass count built from this list stays true.
   */
  readonly knownFailures?: Readonly<Record<string, string>>;
}

/** The environment variable naming the directory the probe writes observations to. */
export const PROBE_DIR_ENV = 'TSGI_PROBE_DIR';

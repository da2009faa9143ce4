/**
 * `describeServerConformance(name, harness)`: registers the server suite with node:test. It
 * starts the harness's server twice with the probe app (a root configuration and a restricted
 * one), sends raw bytes over sockets, and checks what the app saw and what the client got.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { application, PROBE_MODULE } from './probe-app.js';
import { PROBE_DIR_ENV, type ProbeApp, type ServerHarness, type StartedServer } from './harness.js';
import { LOOPBACK_TRUST } from './loopback.js';
import { TSGI_VERSION } from '../types.js';
import { createKit, RESTRICTED_LIMITS, RESTRICTED_MOUNT, RESTRICTED_WEBSOCKET, type Kit } from './kit.js';
import { registerWebSocketCases } from './cases-websocket.js';
import { registerFixtureCases } from './cases-fixtures.js';
import { registerRequestCases } from './cases-request.js';
import { registerResponseCases } from './cases-response.js';
import { registerLifecycleCases } from './cases-lifecycle.js';
import { registerRestrictedCases } from './cases-restricted.js';
import { registerLifespanCases } from './cases-lifespan.js';
import { registerHintsTrailersCases } from './cases-hints-trailers.js';

/** The suite's sections in order: a node:test `describe` each, and a column of the README's conformance table. */
export const SERVER_SECTIONS: ReadonlyArray<{ readonly title: string; readonly register: (kit: Kit) => void }> = [
  { title: 'request fixtures', register: registerFixtureCases },
  { title: 'the request', register: registerRequestCases },
  { title: 'the response', register: registerResponseCases },
  { title: 'completion, signal, waitUntil and errors', register: registerLifecycleCases },
  { title: 'trusted proxies, mount path and limits', register: registerRestrictedCases },
  { title: 'lifespan', register: registerLifespanCases },
  { title: 'extensions: early hints, trailers', register: registerHintsTrailersCases },
  { title: 'extension tsgi.websocket', register: registerWebSocketCases },
];

/** One case of the server suite, as registered. */
export interface ServerCase {
  readonly tag: string;
  readonly title: string;
  /** The extension the case needs the server to declare; not applicable to a server without it. */
  readonly extension?: string;
}

/**
 * The server suite's cases per section, without running anything: what a pass count is out of.
 *
 * @example
 * ```ts
 * const total = listServerCases().reduce((n, section) => n + section.cases.length, 0);
 * ```
 */
export function listServerCases(): Array<{ title: string; cases: ServerCase[] }> {
  return SERVER_SECTIONS.map((section) => {
    const cases: ServerCase[] = [];
    const recorder = createKit({ start: () => Promise.reject(new Error('listing only')) }, { app: application, module: PROBE_MODULE, exportName: 'application' }, {});
    section.register({
      ...recorder,
      test: (tag, title, _fn, _timeoutMs, requires) => void cases.push({ tag, title, ...(requires !== undefined && 'extension' in requires ? { extension: requires.extension } : {}) }),
    });
    return { title: section.title, cases };
  });
}

/**
 * Registers the TSGI server conformance suite for one server.
 *
 * @example
 * ```ts
 * import { describeServerConformance } from 'tsgi/conformance';
 * import { serve } from 'tsgi';
 * describeServerConformance('serve()', {
 *   async start(probe, config) {
 *     const server = await serve(probe.app, { port: 0, ...config });
 *     return { url: server.url, close: () => server.close() };
 *   },
 * });
 * ```
 */
export function describeServerConformance(name: string, harness: ServerHarness): void {
  const probe: ProbeApp = { app: application, module: PROBE_MODULE, exportName: 'application' };
  const servers: { root?: StartedServer; restricted?: StartedServer; dir?: string } = {};
  const kit = createKit(harness, probe, servers);
  let previousDir: string | undefined;

  describe(`TSGI ${TSGI_VERSION} server conformance: ${name}`, () => {
    before(async () => {
      servers.dir = mkdtempSync(join(tmpdir(), 'tsgi-probe-'));
      previousDir = process.env[PROBE_DIR_ENV];
      process.env[PROBE_DIR_ENV] = servers.dir;
      servers.root = await harness.start(probe, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
      servers.restricted = await harness.start(probe, { trustedProxies: [], mountPath: RESTRICTED_MOUNT, limits: { ...RESTRICTED_LIMITS }, websocket: { ...RESTRICTED_WEBSOCKET } });
    });

    after(async () => {
      const closing = [servers.root, servers.restricted].filter((s) => s !== undefined).map((s) => s.close());
      await Promise.allSettled(closing);
      if (previousDir === undefined) delete process.env[PROBE_DIR_ENV];
      else process.env[PROBE_DIR_ENV] = previousDir;
      if (servers.dir !== undefined) rmSync(servers.dir, { recursive: true, force: true });
    });

    for (const section of SERVER_SECTIONS) describe(section.title, () => section.register(kit));
  });
}

/**
 * The conformance kit's harnesses for servers tsgi did not write: srvx and @hono/node-server
 * running the probe through `toFetchHandler`, and a plain node:http server running it through
 * `toNodeListener` (with `checkContinue` wired, as the README shows). Test-only: it imports the
 * hosts, which are devDependencies. The `*.conformance.test.ts` files beside the kit register them,
 * and the README's conformance table is built from the same definitions (known-failures.ts).
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as srvxServe } from 'srvx';
import { serve as honoServe } from '@hono/node-server';
import { toFetchHandler, type TsgiFetchHandler } from '../../to-fetch-handler.js';
import { toNodeListener } from '../../node-adapter.js';
import { resolveApp, runShutdown, runStartup } from '../../lifespan.js';
import { resolveLimits } from '../../limits.js';
import { TSGI_EARLY_HINTS_EXTENSION, TSGI_FILE_EXTENSION, TSGI_TRAILERS_EXTENSION, TSGI_VERSION, type TsgiLogger, type TsgiServerInfo } from '../../types.js';
import type { ProbeServerConfig, ServerHarness, StartedServer } from '../harness.js';
import { capturingLog } from './capturing-log.js';

/** A fetch-handler host: starts a server on a free loopback port around `handler`. */
export interface FetchHost {
  readonly name: string;
  listen(handler: TsgiFetchHandler): Promise<StartedServer & { readonly node: Server }>;
}

function closeNode(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // The kit's close() must not hang on a connection a case left open.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

/** srvx on node: its own request/response adapter around node:http. */
export const SRVX: FetchHost = {
  name: 'srvx',
  async listen(handler) {
    const server = srvxServe({ fetch: handler, port: 0, hostname: '127.0.0.1', silent: true, gracefulShutdown: false });
    await server.ready();
    const node = server.node?.server as Server | undefined;
    if (node === undefined) throw new Error('srvx did not start a node server');
    return { url: `http://127.0.0.1:${(node.address() as AddressInfo).port}`, node, close: () => closeNode(node) };
  },
};

/** @hono/node-server: Hono's node:http adapter, usable with any fetch handler. */
export const HONO_NODE_SERVER: FetchHost = {
  name: '@hono/node-server',
  async listen(handler) {
    const server = await new Promise<Server>((resolve, reject) => {
      const s = honoServe({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      s.once('error', reject);
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, node: server, close: () => closeNode(server) };
  },
};

/**
 * The harness for `host` + `toFetchHandler(probe.app, config)`: startup before listening,
 * shutdown after the host closed (the lifespan order the README gives).
 */
export function fetchHandlerHarness(host: FetchHost, known: Pick<ServerHarness, 'knownFailures'> = {}): ServerHarness {
  const errors: string[] = [];
  return {
    async start(probe, config) {
      const handler = toFetchHandler(probe.app, fetchHandlerOptions(config, capturingLog(errors)));
      await handler.startup();
      const server = await host.listen(handler);
      // As the README wires it: the shim, not node, decides on 100 Continue.
      server.node.on('checkContinue', handler.checkContinue);
      return {
        url: server.url,
        async close() {
          await server.close();
          await handler.shutdown();
        },
      };
    },
    errorLog: () => errors,
    ...known,
  };
}

/** The options that give `toFetchHandler` the kit's configuration. */
function fetchHandlerOptions(config: ProbeServerConfig, log: TsgiLogger): Parameters<typeof toFetchHandler>[1] {
  // Timeouts are the host's, and these hosts take no header timeout here: declared 0, as
  // toFetchHandler does by default, rather than a limit nobody enforces (SPEC 8.1).
  const { headersTimeoutMs: _headers, bodyTimeoutMs: _body, keepAliveTimeoutMs: _keepAlive, ...sizes } = config.limits;
  return { mountPath: config.mountPath, trustedProxies: config.trustedProxies, limits: sizes, log };
}

/**
 * Plain node:http with `toNodeListener`: what a user wires by hand from the README, lifespan
 * included (startup before listening, its state passed on; shutdown after draining).
 */
export function nodeListenerHarness(known: Pick<ServerHarness, 'knownFailures'> = {}): ServerHarness {
  const errors: string[] = [];
  return {
    async start(probe, config) {
      const log = capturingLog(errors);
      const app = resolveApp(probe.app);
      const server: TsgiServerInfo = Object.freeze({
        software: 'node:http+tsgi',
        tsgiVersion: TSGI_VERSION,
        extensions: Object.freeze({ [TSGI_FILE_EXTENSION]: true, [TSGI_EARLY_HINTS_EXTENSION]: true, [TSGI_TRAILERS_EXTENSION]: true }),
        limits: resolveLimits(config.limits),
      });
      const lifespan = { server, worker: Object.freeze({ id: 1, pid: process.pid }), log, state: {} };
      const state = await runStartup(app, lifespan);
      const listener = toNodeListener(app, { trustedProxies: config.trustedProxies, mountPath: config.mountPath, limits: config.limits, server, log, state });
      // The declared header timeout, enforced by node (which checks it every connectionsCheckingInterval).
      const headersTimeout = server.limits.headersTimeoutMs;
      const node = createServer({ headersTimeout, connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(headersTimeout / 4) || 30_000)) }, listener);
      node.on('checkContinue', listener.checkContinue);
      await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
        async close() {
          const closed = closeNode(node);
          await listener.idle();
          await closed;
          await runShutdown(app, lifespan);
        },
      };
    },
    errorLog: () => errors,
    ...known,
  };
}

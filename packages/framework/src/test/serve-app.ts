/**
 * Serves an application on an ephemeral loopback port with tsgi's reference server, capturing
 * its log: what the framework's own socket tests use, and handy for users' integration tests.
 * @module
 */
import { serve, type ServeOptions, type TsgiLogger } from 'tsgi';
import type * as WsPackage from 'ws';
import type { ClientOptions, WebSocket } from 'ws';
import { lazyPackage } from '../utils/lazy-package.js';
import { getTsgiApplication, type TsgiApplication } from '../core/handler.js';
import type { SettingsInput } from '../conf/settings.js';

/**
 * The `ws` package, loaded by the first `websocket()` call rather than at import: this module is
 * part of tsgi-framework's index, so every process serving a framework app imports it. Measured
 * 2026-12-07 (Node 20, tsgi-appserver -w 1 serving bench/apps/framework-app.mjs, 20 requests,
 * 10 s idle, worker RSS, three runs each, tsgi's fetch classes already lazy): 60.6-66.4 MB with
 * `ws` imported here, 58.2-58.6 without.
 */
const wsModule = lazyPackage<typeof WsPackage>('ws');

/** A served application. */
export interface ServedApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly app: TsgiApplication;
  /** Log lines `[level, message + details]`. */
  readonly logs: [string, string][];
  /**
   * Opens a WebSocket to `path` (a `ws` client, open when the promise resolves; messages are not
   * emitted before the caller can listen); a refused handshake rejects with its status.
   *
   * @example
   * ```ts
   * const socket = await served.websocket('/ws/echo/', { headers: { cookie: 'sessionid=...' } });
   * socket.send('hi');
   * ```
   */
  websocket(path: string, options?: ClientOptions): Promise<WebSocket>;
  close(): Promise<void>;
}

/**
 * Starts `settings` (or an application) on 127.0.0.1 with a free port.
 *
 * @example
 * ```ts
 * const served = await serveApp({ ROOT_URLCONF: [path('', home)], ALLOWED_HOSTS: ['*'] });
 * const res = await fetch(served.url);
 * await served.close();
 * ```
 */
export async function serveApp(settings: SettingsInput | TsgiApplication, options: ServeOptions = {}): Promise<ServedApp> {
  const app = typeof (settings as TsgiApplication).fetch === 'function' ? (settings as TsgiApplication) : getTsgiApplication(settings as SettingsInput);
  const logs: [string, string][] = [];
  const record = (level: string) => (message: string, ...details: unknown[]) => {
    logs.push([level, [message, ...details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : typeof d === 'object' ? JSON.stringify(d) : String(d)))].join(' ')]);
  };
  const log: TsgiLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const server = await serve(app, { host: '127.0.0.1', port: 0, log, shutdownTimeoutMs: 5000, ...options });
  const websocket = (path: string, clientOptions?: ClientOptions) =>
    new Promise<WebSocket>((resolve, reject) => {
      // Messages arrive a macrotask apart (not synchronously with 'open'), so a test that awaits
      // this promise and then listens does not miss what the server sends on connect.
      const socket = new (wsModule().WebSocket)(`${server.url.replace(/^http/, 'ws')}${path}`, { allowSynchronousEvents: false, ...clientOptions });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        socket.terminate();
        reject(new Error(`WebSocket handshake to ${path} answered ${res.statusCode ?? 0}`));
      });
    });
  return { url: server.url, port: server.address.port, app, logs, websocket, close: () => server.close() };
}

/**
 * Serves an application on an ephemeral loopback port with tsgi's reference server, capturing
 * its log: what the framework's own socket tests use, and handy for users' integration tests.
 * @module
 */
import { serve, type ServeOptions, type TsgiLogger } from 'tsgi';
import { WebSocket, type ClientOptions } from 'ws';
import { getTsgiApplication, type TsgiApplication } from '../core/handler.js';
import type { SettingsInput } from '../conf/settings.js';

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
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { allowSynchronousEvents: false, ...clientOptions });
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

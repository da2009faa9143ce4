/**
 * Serves a TSGI app on srvx (a third-party fetch server) for the tests: srvx calls
 * `fetch(request)`, so the TSGI context is built here from what srvx offers (`request.ip`,
 * `waitUntil`). This is the glue any fetch-only server needs; it shows a framework app runs
 * unchanged outside tsgi's own servers.
 * @module
 */
import { serve } from 'srvx';
import type { TsgiAppObject, TsgiCompletion, TsgiContext, TsgiServerInfo } from 'tsgi';
import { DEFAULT_LIMITS, TSGI_VERSION } from 'tsgi';

const SERVER: TsgiServerInfo = { software: 'srvx (test adapter)', tsgiVersion: TSGI_VERSION, extensions: {}, limits: DEFAULT_LIMITS };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Starts srvx on 127.0.0.1:0 with `app`; resolves to its URL and a close function. */
export async function serveOnSrvx(app: TsgiAppObject): Promise<{ url: string; close: () => Promise<void> }> {
  const worker = { id: 1, pid: process.pid };
  const state = {};
  await app.startup?.({ server: SERVER, worker, log: silent, state });
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    silent: true,
    async fetch(request) {
      const url = new URL(request.url);
      const ip = (request as { ip?: string }).ip ?? '';
      let finish!: (c: TsgiCompletion) => void;
      const context: TsgiContext = {
        remoteAddress: ip, remotePort: 0, client: { address: ip, port: undefined },
        localAddress: '127.0.0.1', localPort: Number(url.port), serverName: url.hostname, encrypted: false,
        scheme: 'http', protocol: 'HTTP/1.1', rawHeaders: [...request.headers].flat(), mountPath: '',
        state: { ...state }, worker, server: SERVER, log: silent,
        completed: new Promise<TsgiCompletion>((r) => (finish = r)),
        waitUntil: (p) => void Promise.resolve(p).catch(() => undefined),
      };
      const response = await app.fetch(request, context);
      finish({ aborted: false, bytesWritten: 0, status: response.status });
      return response;
    },
  });
  await server.ready();
  return { url: server.url!.replace(/\/$/, ''), close: () => server.close(true) };
}

/**
 * A deliberately naive TSGI server: the kind of adapter the SPEC exists to rule out (it buffers
 * request bodies, passes app headers through, aborts every signal when the response ends,
 * ignores trusted proxies, mount paths and limits, and gives a context wrong in the details). server-selftest.test.ts runs the server
 * suite against it in a child process and checks that the kit catches each flaw. Not named
 * *.test.ts, so the test runner does not pick it up by itself.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeServerConformance } from '../index.js';
import { TSGI_VERSION, type TsgiApp, type TsgiAppObject, type TsgiContext } from '../../types.js';

async function collect(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function naiveServe(app: TsgiApp): Promise<{ url: string; close(): Promise<void> }> {
  if (typeof app !== 'function' && typeof (app as TsgiAppObject).fetch !== 'function') return Promise.reject(new TypeError('no fetch'));
  const fetch = typeof app === 'function' ? app : (request: Request, context: TsgiContext) => (app as TsgiAppObject).fetch(request, context);
  const server = createServer(async (req: IncomingMessage, res) => {
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: req.headers as Record<string, string>,
      signal: controller.signal,
      // Buffers the whole body before calling the app: no backpressure, unbounded memory.
      ...(hasBody ? { body: await collect(req) } : {}),
    } as RequestInit);
    // Plausible at a glance, wrong in the details the SPEC pins down.
    const noop = () => undefined;
    const context: TsgiContext = {
      remoteAddress: req.socket.remoteAddress ?? '',
      remotePort: req.socket.remotePort ?? 0,
      client: { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort },
      localAddress: req.socket.localAddress ?? '',
      localPort: req.socket.localPort ?? 0,
      serverName: req.headers.host ?? '', // keeps the port: wrong
      encrypted: false,
      scheme: 'http',
      protocol: 'HTTP/1.1', // even for HTTP/1.0
      rawHeaders: Object.entries(req.headers).flat() as string[], // joined and lower-cased: wrong
      mountPath: '',
      state: {}, // startup never ran
      worker: { id: 1, pid: process.pid },
      server: { software: 'naive', tsgiVersion: TSGI_VERSION, extensions: {}, limits: { maxRequestLineBytes: 0, maxHeaderCount: 0, maxHeaderFieldBytes: 0, maxBodyBytes: 0, headersTimeoutMs: 0, bodyTimeoutMs: 0, keepAliveTimeoutMs: 0 } }, // new object per request
      log: { debug: noop, info: noop, warn: noop, error: noop },
      completed: new Promise(noop), // never settles
      waitUntil: noop, // drops the promise
    };
    try {
      const response = await fetch(request, context);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      const reader = response.body?.getReader();
      while (reader !== undefined) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } catch {
      res.writeHead(500).end('error');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

describeServerConformance('a naive server', {
  start: (probe) => naiveServe(probe.app),
  timeoutMs: 1_500,
  skip: {
    'S-BODY-100MB': 'too slow for a self-test',
    'S-UNREAD-LARGE': 'too slow for a self-test',
    'S-BACKPRESSURE': 'would pull 256 MiB from the probe',
  },
});

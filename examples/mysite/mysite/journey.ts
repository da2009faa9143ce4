/**
 * The journey page: for the very request that renders it, the road it took from the browser to
 * this view. What the web server in front added (X-Forwarded-*, the request id, the time it sent
 * the request on), which host, app server and worker ran the view, and the Request as the view
 * saw it. Everything comes from the request itself, so the page is live: reload it and the
 * request id, the worker and the timing change.
 */
import { hostname } from 'node:os';
import type { HttpRequest } from 'tsgi-framework';
import { render, requireSafe } from 'tsgi-framework';

/** The header fields a web server in front adds, and what each one tells the app. */
const PROXY_HEADERS: readonly (readonly [name: string, meaning: string])[] = [
  ['X-Forwarded-For', 'the client addresses, one appended by each proxy; the app server believes it only from a peer in --forwarded-allow-ips'],
  ['X-Forwarded-Proto', 'the scheme the browser used (https when TLS ended at the web server)'],
  ['X-Forwarded-Host', 'the Host the browser asked for'],
  ['X-Real-IP', "the browser's address, as nginx's realip module reads it"],
  ['Forwarded', 'the same three facts in the standard form (RFC 7239)'],
  ['X-Request-Id', 'the id both access logs print for this request (kept from a trusted proxy, else made by the first server)'],
  ['X-Request-Start', 'when the web server sent the request on: t=<seconds since the epoch> (the header New Relic and Heroku read)'],
];

/** Header fields whose values the page never prints (a page must not echo credentials). */
const SECRET_HEADERS = new Set(['cookie', 'authorization', 'proxy-authorization']);

/** Every value of `name` in the header fields as the app server received them (order and duplicates kept). */
function received(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name.toLowerCase()) values.push(rawHeaders[i + 1]!);
  }
  return values;
}

/**
 * Milliseconds since the time in an `X-Request-Start` value (`t=` then seconds, milliseconds or
 * microseconds since the epoch, as New Relic accepts them), or undefined when there is none.
 */
export function msSinceRequestStart(value: string | undefined, now: number): number | undefined {
  const match = value === undefined ? null : /^\s*t=(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!match) return undefined;
  const t = Number(match[1]);
  // Seconds have 10 integer digits today, milliseconds 13, microseconds 16.
  const ms = t < 1e11 ? t * 1000 : t < 1e14 ? t : t / 1000;
  return Math.round((now - ms) * 10) / 10;
}

/** `address:port` (IPv6 bracketed), the address alone when the port is unknown, or `a unix socket`. */
function endpoint(address: string, port: number | undefined): string {
  if (!address) return 'a unix socket';
  const host = address.includes(':') ? `[${address}]` : address;
  return port ? `${host}:${port}` : host;
}

/** GET (or HEAD) /journey/: the road this very request took, as the view can see it. */
export const journey = requireSafe(async function journey(request: HttpRequest) {
  const viewStarted = Date.now();
  const { context } = request;
  const raw = context.rawHeaders;
  const added = PROXY_HEADERS.map(([name, meaning]) => ({ name, meaning, values: received(raw, name) }));
  const proxied = added.some((h) => h.values.length > 0);
  const start = received(raw, 'X-Request-Start')[0];
  const sentId = received(raw, 'X-Request-Id')[0];
  const peer = endpoint(context.remoteAddress, context.remotePort);
  const response = await render(request, 'journey.html', {
    proxied,
    added,
    queuedMs: msSinceRequestStart(start, viewStarted),
    // The app server keeps the X-Request-Id of a peer in --forwarded-allow-ips and replaces any
    // other's: the same trust decides whether X-Forwarded-For named the client (SPEC 3.2).
    peerTrusted: sentId !== undefined && request.id === sentId,
    hop: {
      webServer: peer,
      appServer: endpoint(context.localAddress, context.localPort),
      protocol: context.protocol,
    },
    host: {
      name: hostname(),
      software: context.server.software,
      tsgiVersion: context.server.tsgiVersion,
      node: process.version,
      workerId: context.worker.id,
      workerPid: context.worker.pid,
    },
    view: {
      'request.id': request.id,
      'request.method': request.method,
      'request.buildAbsoluteUri()': request.buildAbsoluteUri(),
      'request.scheme': request.scheme,
      'request.isSecure()': String(request.isSecure()),
      'request.getHost()': request.getHost(),
      'request.client': endpoint(request.client.address, request.client.port),
      'request.mountPath': request.mountPath || "'' (mounted at the root)",
      'request.path': request.path,
      'request.pathInfo': request.pathInfo,
      'request.getFullPath()': request.getFullPath(),
    },
    headers: [...request.headers].map(([name, value]) => [name, SECRET_HEADERS.has(name) ? `(not shown: ${value.length} characters)` : value]),
  });
  // Each load is a new request with its own id: never a cached copy.
  response.headers.set('cache-control', 'no-store');
  return response;
});

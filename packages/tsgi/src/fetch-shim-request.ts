/**
 * The request side of `toFetchHandler`: what tsgi's own servers decide before the app runs,
 * decided again for a request a third-party host (srvx, @hono/node-server...) has already
 * parsed. In order: the request-head gate (414/431/400, from the raw head when the host exposes
 * node's request), the body limit on the declared length (413), the mount path (404), trusted
 * proxies (scheme, host, client), then the Request the app gets: its URL built as tsgi's adapter
 * builds it, a null body when the request has no content (SPEC 3.5.1), and a body stream that
 * errors past `maxBodyBytes` (the shim then answers 413 whatever the app returns).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHead, checkLimits, splitAbsoluteTarget, STATUS_TEXT } from 'tsgi-head-gate';
import { BodyTooLargeError } from './body-stream.js';
import type { CidrSet } from './ip-address.js';
import { mountedTarget } from './mount-path.js';
import { buildUrl } from './request-url.js';
import { resolveForwarded, type ForwardedInfo } from './trusted-proxy.js';
import type { TsgiLimits } from './types.js';
import { isUnixSocketPeer } from './unix-peer.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** What the shim knows about the connection, as far as the host tells. */
export interface ShimConnection {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  readonly rawHeaders: readonly string[];
}

/** The shim's configuration for every request. */
export interface ShimRequestConfig {
  readonly trusted: CidrSet;
  readonly mountPath: string;
  readonly limits: TsgiLimits;
}

/** A request the shim let through: what the app gets, and what the context is built from. */
export interface AdmittedRequest {
  readonly request: Request;
  readonly url: string;
  readonly scheme: 'http' | 'https';
  readonly forwarded: ForwardedInfo | undefined;
  /** Set once the app's reading of the body went past `maxBodyBytes`. */
  readonly bodyLimit: BodyLimitState;
  /** True while a held-back `100 Continue` was not sent: the client may still be waiting to send the body. */
  continuePending(): boolean;
}

/** Whether the request body went past the limit while the app read it. */
export interface BodyLimitState {
  exceeded: boolean;
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD']);

/** Marks a node request whose `100 Continue` node held back (the shim's `checkContinue` listener took it). */
const kContinueOwed = Symbol('tsgi.continueOwed');

/**
 * A node:http `checkContinue` listener for a fetch host's server: it hands the request to the
 * host's `request` listeners without node's automatic `100 Continue`, which the shim then sends
 * when the app first reads the body, after the limits were checked (RFC 9110 10.1.1).
 */
export function deferContinue(this: { emit(event: 'request', req: IncomingMessage, res: ServerResponse): boolean }, req: IncomingMessage, res: ServerResponse): void {
  (req as IncomingMessage & { [kContinueOwed]?: boolean })[kContinueOwed] = true;
  this.emit('request', req, res);
}

/**
 * A plain-text answer of the shim's own (`text/plain; charset=utf-8`, the reason phrase as the
 * body); `close` asks the host to close the connection after it (an unread body, a refused head).
 */
export function plainResponse(status: number, close: boolean): Response {
  // The gate's reason phrases first: node's table says "Payload Too Large" on Node 20 (RFC 9110 renamed it).
  const text = (STATUS_TEXT as Readonly<Record<number, string>>)[status] ?? STATUS_CODES[status] ?? 'Error';
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) };
  if (close) headers.connection = 'close';
  return new Response(text, { status, headers });
}

/**
 * Admits one request: a Response to send instead of calling the app (refused head, 413, 404
 * outside the mount), or the request to give it.
 */
export function admitRequest(request: Request, node: { req?: IncomingMessage; res?: ServerResponse }, conn: ShimConnection, config: ShimRequestConfig): Response | AdmittedRequest {
  const { limits } = config;
  const nodeReq = node.req;
  const method = request.method;
  const parsed = nodeReq === undefined ? new URL(request.url) : undefined;
  let target = nodeReq?.url ?? `${parsed!.pathname}${parsed!.search}`;

  // 1. The request-head gate: the whole of it on node's parsed head (HTTP/0.9 and 1.x; HTTP/2
  //    streams are framed by node:http2), else the size limits.
  const rule = nodeReq !== undefined && nodeReq.httpVersionMajor < 2 ? checkHead(nodeReq, limits) : checkLimits(method, target, conn.rawHeaders, limits);
  if (rule !== undefined) return plainResponse(rule.status, true);

  // 2. Framing: over the body limit on the declared length -> 413 before the app (RFC 9110 15.5.14).
  const te = nodeReq !== undefined ? nodeReq.headers['transfer-encoding'] : (request.headers.get('transfer-encoding') ?? undefined);
  const cl = nodeReq !== undefined ? nodeReq.headers['content-length'] : (request.headers.get('content-length') ?? undefined);
  const framed = te !== undefined || (cl !== undefined && cl !== '0');
  if (cl !== undefined && limits.maxBodyBytes > 0 && Number(cl) > limits.maxBodyBytes) return plainResponse(413, true);
  const hasBody = framed && !NO_BODY_METHODS.has(method);

  // 3. The target: absolute-form names its own host (RFC 9112 3.2.2); outside the mount -> 404.
  const absolute = splitAbsoluteTarget(target);
  if (absolute !== undefined) target = absolute.path;
  if (config.mountPath !== '') {
    const mounted = mountedTarget(target, config.mountPath);
    if (mounted === undefined) return plainResponse(404, framed);
    target = mounted;
  }

  // 4. Trusted proxies, then the URL tsgi's adapter would build.
  const headers = nodeReq !== undefined ? nodeReq.headers : Object.fromEntries(request.headers);
  // A unix-socket peer (no address) is a proxy on this machine, trusted unless nothing is (SPEC 3.2.1).
  const unixPeer = conn.remoteAddress === '' && nodeReq !== undefined ? isUnixSocketPeer(nodeReq.socket) : undefined;
  const forwarded = resolveForwarded(headers, conn.remoteAddress, config.trusted, unixPeer);
  const scheme = forwarded?.scheme ?? (conn.encrypted || parsed?.protocol === 'https:' ? 'https' : 'http');
  const host = forwarded?.host || absolute?.host || headers.host || parsed?.host || localHost(conn);
  let url: string;
  try {
    url = buildUrl(scheme, host, target);
  } catch {
    return plainResponse(400, true);
  }

  // 5. The Request: the host's own when it already is what the app should get.
  const bodyLimit: BodyLimitState = { exceeded: false };
  const owed = nodeReq !== undefined && (nodeReq as IncomingMessage & { [kContinueOwed]?: boolean })[kContinueOwed] === true;
  const sendContinue = owed && hasBody && node.res !== undefined ? continueSender(node.res) : undefined;
  const wrapped = hasBody && (limits.maxBodyBytes > 0 || sendContinue !== undefined);
  const wrongBody = !hasBody && !NO_BODY_METHODS.has(method) && request.body !== null;
  const continuePending = () => sendContinue?.pending() ?? false;
  if (url === request.url && !wrapped && !wrongBody) return { request, url, scheme, forwarded, bodyLimit, continuePending };
  const body = hasBody && request.body !== null ? (wrapped ? limitBody(request.body, limits.maxBodyBytes, bodyLimit, sendContinue) : request.body) : null;
  try {
    const init: RequestInit & { duplex?: 'half' } = { method, headers: request.headers, body, signal: request.signal };
    if (body !== null) init.duplex = 'half';
    return { request: new Request(url, init), url, scheme, forwarded, bodyLimit, continuePending };
  } catch {
    // A method fetch forbids (TRACE...) or a URL it refuses: the host's request as it is.
    return { request, url: request.url, scheme, forwarded, bodyLimit, continuePending };
  }
}

/** Sends the `100 Continue` node held back, once, unless a response has begun. */
function continueSender(res: ServerResponse): { (): void; pending(): boolean } {
  let sent = false;
  const send = () => {
    if (sent) return;
    sent = true;
    if (!res.headersSent) res.writeContinue();
  };
  return Object.assign(send, { pending: () => !sent });
}

function localHost(conn: ShimConnection): string {
  const address = conn.localAddress === '' ? '127.0.0.1' : conn.localAddress;
  return `${address.includes(':') ? `[${address}]` : address}:${conn.localPort}`;
}

/**
 * The request body, erroring with {@link BodyTooLargeError} once more than `max` bytes arrived
 * (0: no limit), and sending a held-back `100 Continue` on the app's first read. Pull-based: it
 * reads from the host only when the app reads, so backpressure reaches the client.
 */
function limitBody(body: ReadableStream<Uint8Array>, max: number, state: BodyLimitState, sendContinue: (() => void) | undefined): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        sendContinue?.();
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        total += value.byteLength;
        if (max > 0 && total > max) {
          // The host's stream is left unread, not cancelled: cancelling it would destroy the
          // socket before the 413 goes out; the 413 closes the connection instead.
          state.exceeded = true;
          reader.releaseLock();
          controller.error(new BodyTooLargeError(max));
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

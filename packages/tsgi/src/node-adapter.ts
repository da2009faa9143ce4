/**
 * `toNodeListener`: the one place a node:http request becomes a TSGI call and the Response is
 * written back. Order of one request (the lifecycle, kept in this order in the code):
 * the request id, the request-head gate, body limit and mount path (answered by the server, app not called) -> Exchange, lazy Request and
 * context -> app.fetch -> the Response written (write-response.ts) -> on 'close': signal,
 * completed, in-flight count.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerPlain, exchangeClosed, refuseRequest, splitAbsoluteTarget } from 'tsgi-head-gate';
import { resolveAdapterConfig, type AdapterConfig, type NodeAdapterOptions } from './adapter-config.js';
import { Exchange, NodeContext } from './exchange.js';
import { adoptForeignResponse } from './foreign-response.js';
import { resolveApp } from './lifespan.js';
import { TsgiRequest } from './lazy-request.js';
import { FastResponse, isResponse } from './fast-response.js';
import { mountedTarget } from './mount-path.js';
import { screenRequestId } from './request-id.js';
import { answerBodyLimit, sendError } from './write-response.js';
import { sendAppResponse } from './trailers.js';
import type { TsgiApp } from './types.js';
import { screenUpgrade, toUpgradeListener, webSocketContext, type Handshake } from './websocket-server.js';
import type { Duplex } from 'node:stream';

/**
 * A node `request` listener, plus what servers built on it need: the `checkContinue` listener,
 * and the in-flight counts a graceful shutdown waits for.
 *
 * @example
 * ```ts
 * const listener = toNodeListener(app);
 * server.on('request', listener).on('checkContinue', listener.checkContinue);
 * // on SIGTERM: stop accepting, then
 * server.close();
 * await listener.idle(); // requests and waitUntil promises done
 * ```
 */
export interface TsgiNodeListener {
  (req: IncomingMessage, res: ServerResponse): void;
  /**
   * The `checkContinue` listener: register it (`server.on('checkContinue', listener.checkContinue)`)
   * so `100 Continue` is sent only when the app reads the body, after limits are checked.
   * Without it node answers 100 itself before the app runs.
   */
  readonly checkContinue: (req: IncomingMessage, res: ServerResponse) => void;
  /** Resolves once no request is in flight and every `waitUntil` promise has settled. */
  idle(): Promise<void>;
  /** Requests in flight and unsettled `waitUntil` promises, for a server's drain logic and metrics. */
  readonly inFlight: { readonly requests: number; readonly waitUntil: number };
  /**
   * The server gives up on the request whose response is `res` (a server-side request timeout):
   * `request.signal` aborts with `reason` (SPEC 3.7.4: a `TimeoutError` for a timeout),
   * `context.completed` settles with `aborted: true` (SPEC 4.5: "the server gave up") and
   * whatever the app returns later is discarded. The caller then answers the client on `res`
   * itself (e.g. 504). No effect once the response has closed.
   */
  abandon(res: ServerResponse, reason: unknown): void;
  /**
   * node's `upgrade` listener for the `tsgi.websocket` extension (option `websocket`):
   * `server.on('upgrade', listener.upgrade)`. The handshake goes through this listener like any
   * request; a server that wraps the listener uses `toUpgradeListener(wrapped, ResponseClass)`.
   */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** The open WebSockets: how many, and the graceful stop's close (1001) or the forced end. */
  readonly webSockets: { readonly open: number; closeAll(code?: number, reason?: string): number; terminateAll(): number };
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD']);

const kExchange = Symbol('tsgi.exchange');
type ExchangeCarrier = ServerResponse & { [kExchange]?: Exchange };

/** 'close' on the ServerResponse: the exchange is over (finished or aborted). */
function onResponseClose(this: ServerResponse): void {
  exchangeClosed(this);
  (this as ExchangeCarrier)[kExchange]?.close();
}

/**
 * Turns a TSGI app into a node:http `request` listener for any node http/https server.
 * Requests reach the app as a lazy `Request` (`instanceof Request`; url, headers, signal and body
 * built on first read) with a {@link TsgiContext}; the Response is written back with
 * FastResponse's simple bodies sent in one write, and streams with backpressure.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { toNodeListener } from 'tsgi';
 * const listener = toNodeListener((request) => new Response(`you asked for ${request.url}`));
 * const server = createServer(listener);
 * server.on('checkContinue', listener.checkContinue);
 * server.listen(8000);
 * ```
 */
export function toNodeListener(app: TsgiApp, options: NodeAdapterOptions = {}): TsgiNodeListener {
  const config = resolveAdapterConfig(resolveApp(app), options);
  const listener = ((req: IncomingMessage, res: ServerResponse) => handle(config, req, res, false)) as TsgiNodeListener;
  Object.defineProperties(listener, {
    checkContinue: { value: (req: IncomingMessage, res: ServerResponse) => handle(config, req, res, true) },
    idle: { value: () => config.tracker.idle() },
    abandon: { value: (res: ServerResponse, reason: unknown) => (res as ExchangeCarrier)[kExchange]?.close(reason) },
    inFlight: {
      get: () => ({ requests: config.tracker.requests, waitUntil: config.tracker.pending }),
    },
    upgrade: { value: toUpgradeListener(listener) },
    webSockets: {
      value: Object.freeze({
        get open() {
          return config.websocket?.open ?? 0;
        },
        closeAll: (code?: number, reason?: string) => config.websocket?.closeAll(code, reason) ?? 0,
        terminateAll: () => config.websocket?.terminateAll() ?? 0,
      }),
    },
  });
  return listener;
}

function handle(config: AdapterConfig, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
  const limits = config.limits;
  const method = req.method ?? 'GET';

  // 0. The request id (request-id.ts): a trusted proxy's X-Request-Id kept, another replaced,
  //    before anything answers; a request without one gets it when first read (requestIdOf).
  screenRequestId(req, config.trusted);

  // 1. The request-head gate (tsgi-head-gate), the same for every tsgi server: version, limits
  //    (414/431), Host, target form, Transfer-Encoding. A refused request never reaches the app.
  if (refuseRequest(req, res, limits, config.log)) return;

  // 2. The target: absolute-form names its own host (RFC 9112 section 3.2.2).
  let target = req.url ?? '/';
  const absolute = splitAbsoluteTarget(target);
  const targetHost = absolute?.host;
  if (absolute !== undefined) target = absolute.path;

  // 3. Framing: does the request carry content? Over the limit -> 413 before the app.
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  const framed = te !== undefined || (cl !== undefined && cl !== '0');
  if (cl !== undefined && limits.maxBodyBytes > 0 && Number(cl) > limits.maxBodyBytes) {
    // Close: the client may send the body anyway, and we will not read it (RFC 9110 section
    // 15.5.14); lingering, so the client reads the 413 rather than a reset.
    return answerPlain(res, 413, 'Content Too Large', true, config.lingering);
  }
  // GET and HEAD content is never given to the app (SPEC 3.5.1); it is drained like an unread body.
  const hasBody = framed && !NO_BODY_METHODS.has(method);

  // 4. Mount path (WSGI's SCRIPT_NAME): outside it the app is not asked. Compared on the path
  //    normalised, which request.url then carries (SPEC 3.1.5): `/mnt/../x` is outside `/mnt`.
  if (config.mountPath !== '') {
    const mounted = mountedTarget(target, config.mountPath);
    if (mounted === undefined) return answerPlain(res, 404, 'Not Found', framed, config.lingering);
    target = mounted;
  }

  // 5. An upgrade (node's 'upgrade' event, through toUpgradeListener): a WebSocket handshake gets
  //    context['tsgi.websocket'] (SPEC 7.3); a malformed one is answered here; any other is plain.
  const upgrade = (req as { upgrade?: boolean }).upgrade === true ? screenUpgrade(config, req, res) : undefined;
  if (upgrade === null) return;

  const ex = new Exchange(config, req, res, target, targetHost, framed, expectsContinue && hasBody);
  config.tracker.requests++;
  // Hot path: one shared listener instead of a closure + once() wrapper per request. Measured
  // 2026-12-06 (toNodeListener with this and with `res.once('close', () => ex.close())`, both in
  // one process, stub req/res, a FastResponse('hello') at 1.0-1.7 us a request, sampled
  // alternately, CPU time per request, median of 11, eight runs; the same build against itself
  // differed by under 0.08 us): 0.08-0.22 us a request saved, median 0.15.
  (res as ExchangeCarrier)[kExchange] = ex;
  res.on('close', onResponseClose);

  const request = new TsgiRequest(ex, hasBody, answerBodyLimit) as unknown as Request;
  let context: NodeContext;
  let handshake: Handshake | undefined;
  if (upgrade === undefined) context = new NodeContext(ex);
  else ({ context, handshake } = webSocketContext(ex, upgrade));
  ex.bind(request, context);

  let result: Response | Promise<Response>;
  try {
    result = config.app.fetch(request, context);
  } catch (error) {
    if (handshake !== undefined) return handshake.respond(Promise.reject(error), sendAppResult, sendError);
    sendError(ex, error);
    return;
  }
  if (handshake !== undefined) return handshake.respond(result, sendAppResult, sendError);
  // Hot path: a synchronous Response is written now, without a microtask hop. Measured
  // 2026-12-06 (as above, against `Promise.resolve(result).then(...)` for every result):
  // 0.09-0.29 us a request saved, median 0.14. A promise is told apart before anything asks
  // `instanceof Response`: reading that global loads node's fetch classes on Node 20
  // (fetch-class-link.ts), which an app answering FastResponses asynchronously never needs.
  if (result instanceof FastResponse) {
    sendAppResponse(ex, result as unknown as Response);
  } else if (result !== null && typeof result === 'object' && typeof (result as Promise<Response>).then === 'function') {
    (result as Promise<Response>).then(
      (response) => sendAppResult(ex, response),
      (error: unknown) => sendError(ex, error),
    );
  } else {
    sendAppResult(ex, result);
  }
}

/** Sends what the app returned; a Response of another fetch implementation is adopted (SPEC 2.1.5). */
function sendAppResult(ex: Exchange, value: unknown): void {
  if (isResponse(value)) return sendAppResponse(ex, value);
  let adopted: unknown;
  try {
    adopted = adoptForeignResponse(value);
  } catch (error) {
    return sendError(ex, error);
  }
  sendAppResponse(ex, adopted);
}

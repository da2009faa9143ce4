/**
 * The worker's request handler and the one way a layer wraps it. node:http calls a listener for
 * 'request' and, for `Expect: 100-continue`, another for 'checkContinue' (toNodeListener provides
 * both); every layer the worker adds (in-flight tracking, --request-timeout, hooks, metrics, the
 * keep-alive and body-timeout settings) must wrap both the same way.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A node:http request listener. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A request listener with the optional `checkContinue` companion toNodeListener provides. */
export interface RequestHandler extends NodeListener {
  readonly checkContinue?: NodeListener;
}

/**
 * Wraps `handler` and its `checkContinue` companion (when it has one) with the same `wrap`.
 *
 * @example
 * ```ts
 * const counted = wrapHandler(handler, (inner) => (req, res) => { count++; inner(req, res); });
 * ```
 */
export function wrapHandler(handler: RequestHandler, wrap: (inner: NodeListener) => NodeListener): RequestHandler {
  const wrapped = wrap(handler) as RequestHandler;
  const cc = handler.checkContinue;
  if (cc !== undefined) Object.defineProperty(wrapped, 'checkContinue', { value: wrap(cc) });
  return wrapped;
}

/**
 * The refusal of an in-process server (`toNodeListener` and tsgi-appserver's Node-app guard): the
 * gate's check, its one log line and a short plain-text answer, written once for both. The web
 * server answers with its own error pages and keeps its own call of {@link admitRequest}.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitRequest, type HeadLimits } from './admit.js';
import { closeLingering, DEFAULT_LINGERING_CLOSE, type LingeringClose } from './lingering-close.js';
import { refusalMessage, STATUS_TEXT } from './rules.js';

const NO_LINGERING: LingeringClose = Object.freeze({ ...DEFAULT_LINGERING_CLOSE, close: 'off' });

/** Where a refusal is logged (any logger with `info`, such as a `TsgiLogger`). */
export interface RefusalLog {
  info(message: string): void;
}

/**
 * Answers `status` with `text` as text/plain, without calling the app; `close` ends the
 * connection after it (the client may send a body nobody will read), with a lingering close
 * (`lingering`, default nginx's) so the client reads the answer instead of a reset.
 *
 * @example
 * ```ts
 * if (outsideMount) return answerPlain(res, 404, 'Not Found', false);
 * ```
 */
export function answerPlain(res: ServerResponse, status: number, text: string, close: boolean, lingering: LingeringClose = DEFAULT_LINGERING_CLOSE): void {
  if (close) closeLingering(res.req, res, lingering);
  res.writeHead(status, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(text))]);
  res.end(text);
}

/**
 * Runs the gate on one request. A refused request is logged once at info, answered with the
 * rule's status and the connection closed; the caller then returns without calling the app.
 *
 * @returns true when the request was refused (and answered).
 * @example
 * ```ts
 * server.on('request', (req, res) => {
 *   if (refuseRequest(req, res, DEFAULT_HEAD_LIMITS, console)) return;
 *   app(req, res);
 * });
 * ```
 */
export function refuseRequest(req: IncomingMessage, res: ServerResponse, limits: HeadLimits, log: RefusalLog): boolean {
  const rule = admitRequest(req, res, limits);
  if (rule === undefined) return false;
  log.info(refusalMessage(rule, `${req.method ?? ''} ${req.url ?? ''} from ${req.socket.remoteAddress ?? 'unknown'}`));
  // No lingering: a refused head's framing is not trusted, so there is no "rest of the body" to read.
  answerPlain(res, rule.status, STATUS_TEXT[rule.status], true, NO_LINGERING);
  return true;
}

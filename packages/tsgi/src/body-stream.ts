/**
 * The request body as a ReadableStream: pulled from node's IncomingMessage with backpressure
 * (the socket is paused while the app is not reading), limited to `maxBodyBytes`, and sending
 * `100 Continue` only when the app first reads (RFC 9110 section 10.1.1).
 * @module
 */
import { lingerNow } from 'tsgi-head-gate';
import type { Exchange } from './exchange.js';

/**
 * Unread request body bytes read and discarded after a response to keep the connection alive;
 * a larger rest closes the connection, lingering (`NodeAdapterOptions.lingering`).
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * The error a request body stream fails with when the body exceeds `limits.maxBodyBytes`; the
 * server answers 413 itself, whatever the app does with the error.
 *
 * @example
 * ```ts
 * try {
 *   await request.text();
 * } catch (error) {
 *   if (error instanceof BodyTooLargeError) context.log.info('upload too large');
 *   throw error;
 * }
 * ```
 */
export class BodyTooLargeError extends Error {
  readonly code = 'TSGI_E_BODY_TOO_LARGE';
  readonly status = 413;
  constructor(limit: number) {
    super(`tsgi: the request body exceeds the limit of ${limit} bytes (limits.maxBodyBytes)`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The error a request body stream fails with when the client sends nothing for
 * `limits.bodyTimeoutMs` while the app waits; the server answers 408 (or closes once committed).
 *
 * @example
 * ```ts
 * const body = await request.text().catch((error) => {
 *   if (error instanceof BodyTimeoutError) return null; // the server already answered 408
 *   throw error;
 * });
 * ```
 */
export class BodyTimeoutError extends Error {
  readonly code = 'TSGI_E_BODY_TIMEOUT';
  readonly status = 408;
  constructor(ms: number) {
    super(`tsgi: no request body bytes received for ${ms} ms (limits.bodyTimeoutMs)`);
    this.name = 'BodyTimeoutError';
  }
}

/** A body error the server answers itself (413, 408). */
export type BodyLimitError = BodyTooLargeError | BodyTimeoutError;

/** Per-exchange body bookkeeping the response writer consults. Internal. */
export interface BodyState {
  /** Bytes received through the stream so far. */
  received: number;
  /** True once the app read (pulled) at least once. */
  started: boolean;
  /** True once the stream closed, errored or was cancelled: later chunks are discarded. */
  done: boolean;
  /** Errors the stream (set once it exists); used when the response ends before the body was read. */
  fail?: (error: Error) => void;
}

/**
 * Creates the body stream of `ex`'s request. `onLimit` runs when a limit is crossed (before the
 * stream errors) so the server can answer 413/408 if nothing was sent yet.
 */
export function createBodyStream(ex: Exchange, state: BodyState, onLimit: (error: BodyLimitError) => void): ReadableStream<Uint8Array> {
  const { req } = ex;
  const limit = ex.config.limits.maxBodyBytes;
  const timeoutMs = ex.config.limits.bodyTimeoutMs;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  // Inactivity timer (SPEC 8.4): armed only while the app waits for bytes, refreshed per chunk,
  // so a slow but steady upload never times out and an app that stops reading is not blamed
  // on the client.
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timeoutMs <= 0) return;
    if (timer === undefined) timer = setTimeout(onTimeout, timeoutMs);
    else timer.refresh();
  };
  const disarm = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const onTimeout = () => {
    timer = undefined;
    if (state.done) return;
    const error = new BodyTimeoutError(timeoutMs);
    finish();
    req.pause();
    onLimit(error);
    controller.error(error);
  };

  const finish = () => {
    state.done = true;
    disarm();
    req.off('end', onEnd);
    req.off('error', onError);
  };
  const onData = (chunk: Buffer) => {
    if (state.done) return; // discarded: the app cancelled or the response drains the rest
    state.received += chunk.length;
    if (limit > 0 && state.received > limit) {
      const error = new BodyTooLargeError(limit);
      finish();
      req.pause();
      onLimit(error);
      controller.error(error);
      return;
    }
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    // Backpressure: stop the socket while the app has not asked for more.
    if ((controller.desiredSize ?? 0) <= 0) {
      req.pause();
      disarm();
    } else arm();
  };
  const onEnd = () => {
    if (state.done) return;
    finish();
    controller.close();
  };
  const onError = (error: Error) => {
    if (state.done) return;
    finish();
    controller.error(error);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        const clientGone = () => {
          if (state.done) return;
          finish();
          controller.error(new DOMException('The client closed the connection before the request body was complete', 'AbortError'));
        };
        ex.attachBody(state, clientGone);
        // The client may have left before the app asked for the body: no 'end' or 'error' will
        // come now, and a read would wait for the body timeout (holding a timer for 60 s).
        if (ex.aborted || req.destroyed) {
          clientGone();
          return;
        }
        state.fail = (error) => {
          if (state.done) return;
          finish();
          controller.error(error);
        };
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('error', onError);
        // Nothing flows until the app reads: 'data' would otherwise start the flow.
        req.pause();
      },
      pull() {
        if (!state.started) {
          state.started = true;
          ex.sendContinue();
        }
        arm();
        req.resume();
      },
      cancel() {
        finish();
        req.pause();
      },
    },
    // No read-ahead of our own: pull() runs only when the app reads, which is what tells us the
    // app wants the body (100-continue). node's buffer (16 KiB) and the kernel's do the rest.
    { highWaterMark: 0 },
  );
}

/**
 * After the response: read and discard what is left of an unread body. On a keep-alive
 * connection up to {@link DRAIN_LIMIT_BYTES}; beyond that (an app that read part of the body,
 * then answered) the connection closes lingering, never by a reset (never reading the rest would
 * desynchronise the stream). A connection already closing lingers by itself (settleRequestBody).
 */
export function drainRequestBody(ex: Exchange, state: BodyState | undefined): void {
  const { req } = ex;
  if (state !== undefined && !state.done) {
    // Reading after the response is over would hang on data that is now discarded: fail loudly.
    if (state.fail !== undefined) state.fail(new TypeError('tsgi: the response was sent before the request body was read to the end; the rest was discarded'));
    state.done = true;
  }
  if (req.readableEnded || req.destroyed) return;
  if (!req.complete && ex.res.shouldKeepAlive) {
    let discarded = 0;
    const count = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded <= DRAIN_LIMIT_BYTES) return;
      req.off('data', count);
      lingerNow(req, ex.config.lingering);
    };
    req.on('data', count);
  }
  req.resume();
}

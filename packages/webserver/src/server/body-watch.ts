/**
 * Request-body limits enforced where the bytes arrive: `client_max_body_size` for bodies without
 * a Content-Length (chunked), and `client_body_timeout` (the longest silence between two reads,
 * nginx's meaning). Plus `send_timeout`: a client that stops reading while the server has bytes
 * queued for it is cut off. One sweep per second walks the requests in progress, so no timer is
 * made per request.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

interface BodyEntry {
  readonly req: Req;
  readonly res: Res;
  bytes: number;
  last: number;
}

/** A watched response, as {@link BodyWatch.watchSend} returns it (opaque to callers). */
export type SendWatch = object;

interface SendEntry {
  readonly res: ServerResponse;
  written: number;
  last: number;
  /** Neighbours in the watch list; `linked` is false once removed. */
  prev: SendEntry | undefined;
  next: SendEntry | undefined;
  linked: boolean;
}

/** Callbacks fired by the watch; the server answers and logs. */
export interface BodyWatchEvents {
  tooLarge(req: Req, res: Res): void;
  bodyTimeout(req: Req, res: Res): void;
  sendTimeout(res: ServerResponse): void;
}

/** The limits of one worker. */
export class BodyWatch {
  readonly #bodies = new Set<BodyEntry>();
  /**
   * Watched responses, an intrusive doubly linked list. Not a Set: one entry per response, and a
   * long-lived Set that every request passes through was measured (in the proxy) to make V8
   * promote request objects to the old generation, multiplying mark-compacts.
   */
  #sends: SendEntry | undefined;
  readonly #bodyTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #events: BodyWatchEvents;
  readonly #timer: NodeJS.Timeout;

  constructor(bodyTimeoutMs: number, sendTimeoutMs: number, events: BodyWatchEvents, sweepMs = 1000) {
    this.#bodyTimeoutMs = bodyTimeoutMs;
    this.#sendTimeoutMs = sendTimeoutMs;
    this.#events = events;
    this.#timer = setInterval(() => this.sweep(Date.now()), Math.max(50, Math.min(sweepMs, bodyTimeoutMs / 2, sendTimeoutMs / 2)));
    this.#timer.unref();
  }

  /**
   * Watches a request that has a body: counts its bytes (413 beyond `limit`, 0 = none) and the
   * time since the last one arrived. The count hooks `push`, the one method node's parser (and
   * the HTTP/2 compat layer) calls for every body chunk, so whoever reads the body still gets
   * every byte and no extra listener changes the stream's flow.
   */
  watchBody(req: Req, res: Res, limit: number): void {
    const entry: BodyEntry = { req, res, bytes: 0, last: Date.now() };
    const push = req.push;
    const events = this.#events;
    const bodies = this.#bodies;
    let over = false;
    req.push = function (this: Req, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (over) {
        // Past the limit, the 413 sent: the rest is read and dropped while the close lingers,
        // and the body's end aborts the request instead of ending it as if complete.
        if (chunk === null || chunk === undefined) req.destroy();
        return true;
      }
      if (chunk !== null && chunk !== undefined) {
        entry.bytes += (chunk as Buffer).length;
        entry.last = Date.now();
        if (limit > 0 && entry.bytes > limit) {
          bodies.delete(entry);
          over = true;
          events.tooLarge(req, res);
          return true;
        }
      } else {
        bodies.delete(entry);
      }
      return push.call(this, chunk, encoding);
    } as typeof req.push;
    this.#bodies.add(entry);
    res.once('close', () => this.#bodies.delete(entry));
  }

  /** Watches an HTTP/1 response for a client that stops reading. */
  watchSend(res: ServerResponse, now = Date.now()): SendWatch {
    const entry: SendEntry = { res, written: 0, last: now, prev: undefined, next: this.#sends, linked: true };
    if (this.#sends) this.#sends.prev = entry;
    this.#sends = entry;
    // No 'close' listener of its own: the request handler's one 'close' listener per response
    // calls unwatchSend (merging the two was measured within noise, commit 26751b0).
    return entry;
  }

  /** Stops watching a response (call when it closes). */
  unwatchSend(watch: SendWatch): void {
    this.#unlinkSend(watch as SendEntry);
  }

  #unlinkSend(e: SendEntry): void {
    if (!e.linked) return;
    e.linked = false;
    if (e.prev) e.prev.next = e.next;
    else this.#sends = e.next;
    if (e.next) e.next.prev = e.prev;
    e.prev = e.next = undefined;
  }

  sweep(now: number): void {
    for (const e of this.#bodies) {
      if (e.req.complete || e.req.destroyed) {
        this.#bodies.delete(e);
        continue;
      }
      // Silence that is ours (the reader applies backpressure, the buffer is full) does not count.
      if (e.req.readableLength >= e.req.readableHighWaterMark) e.last = now;
      else if (now - e.last >= this.#bodyTimeoutMs) {
        this.#bodies.delete(e);
        this.#events.bodyTimeout(e.req, e.res);
      }
    }
    for (let e = this.#sends, next: SendEntry | undefined; e !== undefined; e = next) {
      next = e.next;
      const socket = e.res.socket;
      if (!socket || socket.destroyed) {
        this.#unlinkSend(e);
        continue;
      }
      const written = socket.bytesWritten;
      if (written !== e.written || !(e.res.writableNeedDrain || socket.writableNeedDrain)) {
        e.written = written;
        e.last = now;
      } else if (now - e.last >= this.#sendTimeoutMs) {
        this.#unlinkSend(e);
        this.#events.sendTimeout(e.res);
      }
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#bodies.clear();
    while (this.#sends) this.#unlinkSend(this.#sends);
  }
}

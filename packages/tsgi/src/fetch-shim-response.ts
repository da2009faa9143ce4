/**
 * The response side of `toFetchHandler`: the app's Response made into one a third-party host
 * sends the way tsgi's own writer would (write-response.ts). Hop-by-hop fields the app set are
 * dropped (RFC 9110 7.6.1); a header that cannot be sent is an app error (500); a body complete
 * in memory is handed over as bytes with its Content-Length (RFC 9110 8.6), found as the writer
 * finds it (its first read, then a second that ends within a few microtasks); a stream is
 * counted and held to the app's Content-Length (cut there, or errored when short, so the host
 * closes the connection); a body that fails before its first byte becomes a 500.
 * @module
 */
import { readAhead } from './read-ahead.js';
import type { TsgiLogger } from './types.js';
import { HOP_BY_HOP_HEADERS } from './validate-headers.js';

/** Where the shim reports what it did to a response. */
export interface ShimResponseContext {
  readonly method: string;
  /** `"GET /path HTTP/1.1"`, for log lines. */
  readonly requestLine: string;
  readonly log: TsgiLogger;
  /** Called with the body bytes handed to the host so far. */
  countBytes(bytes: number): void;
  /** Called once when the host has read the body to its end (true) or it failed/was cancelled (false). */
  bodyDone(complete: boolean): void;
  /** The connection must close after this response (a request body the client was told to hold back). */
  readonly close: boolean;
}

/** The app's response could not be sent as it is: the caller answers 500. */
export class UnsendableResponseError extends Error {}

const DIGITS = /^\d+$/;

/** The app's response, made sendable by a fetch host; throws {@link UnsendableResponseError} or the body's error for a 500. */
export async function prepareResponse(response: Response, ctx: ShimResponseContext): Promise<Response> {
  const status = response.status;
  const headers = new Headers();
  let contentLength: number | undefined;
  let stripped = false;
  try {
    for (const [name, value] of response.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP_HEADERS.has(lower)) {
        stripped = true;
        continue;
      }
      if (lower === 'content-length') {
        if (!DIGITS.test(value.trim())) throw new UnsendableResponseError(`the app's Content-Length ${JSON.stringify(value)} is not a decimal integer`);
        contentLength = Number(value.trim());
      }
      headers.append(name, value);
    }
  } catch (error) {
    if (error instanceof UnsendableResponseError) throw error;
    throw new UnsendableResponseError(`the app's response has a header that cannot be sent: ${String(error)}`);
  }
  if (ctx.close) {
    headers.set('connection', 'close');
    stripped = true;
  }
  const init = { status, statusText: response.statusText, headers };
  const body = response.body;
  const bodiless = status === 204 || status === 304 || ctx.method === 'HEAD';
  if (body === null || (bodiless && contentLength !== undefined) || status === 204 || status === 304) {
    if (body !== null) body.cancel().catch(() => {});
    ctx.bodyDone(true);
    return stripped || body !== null ? new Response(null, init) : response;
  }

  const reader = body.getReader();
  const first = await reader.read();
  if (first.done) {
    if (contentLength === undefined && !bodiless) headers.set('content-length', '0');
    ctx.bodyDone(true);
    return new Response(null, init);
  }
  // As the adapter does (read-ahead.ts): whole with a Content-Length if it ends at once, else streamed.
  const { second, pending: secondRead } = await readAhead(reader, body);
  const firstChunk = first.value;
  if (second !== undefined && second.done && contentLength !== undefined && contentLength < firstChunk.byteLength && !bodiless) {
    // Longer than its Content-Length: the message ends there, and the connection with it.
    ctx.log.error(`tsgi: ${ctx.requestLine}: the app's body is longer than its Content-Length ${contentLength}; cut there and closed the connection`);
    headers.set('connection', 'close');
    ctx.countBytes(contentLength);
    ctx.bodyDone(true);
    return new Response(firstChunk.subarray(0, contentLength), init);
  }
  if (second !== undefined && second.done && (contentLength === undefined || contentLength === firstChunk.byteLength)) {
    if (bodiless) {
      // HEAD: the headers GET would get, no body.
      headers.set('content-length', String(firstChunk.byteLength));
      ctx.bodyDone(true);
      return new Response(null, init);
    }
    headers.set('content-length', String(firstChunk.byteLength));
    ctx.countBytes(firstChunk.byteLength);
    ctx.bodyDone(true);
    return new Response(firstChunk, init);
  }
  if (bodiless) {
    reader.cancel().catch(() => {});
    ctx.bodyDone(true);
    return new Response(null, init);
  }
  const pending = second === undefined ? [firstChunk] : second.done ? [firstChunk] : [firstChunk, second.value];
  const inFlight = second === undefined ? secondRead : undefined;
  if (contentLength !== undefined) headers.set('content-length', String(contentLength));
  return new Response(countedBody(reader, pending, inFlight, contentLength, ctx), init);
}

/**
 * The rest of a streamed body, counted, and held to `limit` (the app's Content-Length): bytes
 * past it are cut and the stream errors, as it does when the body ends short, so the host
 * closes the connection rather than send a message of the wrong length (RFC 9112 6.3).
 */
function countedBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pending: Uint8Array[],
  inFlight: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
  limit: number | undefined,
  ctx: ShimResponseContext,
): ReadableStream<Uint8Array> {
  let written = 0;
  let cut = false;
  let next = inFlight;
  const fail = async (controller: ReadableStreamDefaultController<Uint8Array>, message: string) => {
    ctx.log.error(`tsgi: ${ctx.requestLine}: ${message}`);
    // The host destroys the connection when the body errors; a turn of the event loop first
    // lets it write what it already took (the head and the bytes up to the cut).
    await new Promise((resolve) => setImmediate(resolve));
    ctx.bodyDone(false);
    controller.error(new Error(message));
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (cut) {
          reader.cancel().catch(() => {});
          await fail(controller, `the app's body is longer than its Content-Length ${limit}; cut there and closed the connection`);
          return;
        }
        let chunk = pending.shift();
        if (chunk === undefined) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await (next ?? reader.read());
          } catch (error) {
            ctx.log.error(`tsgi: ${ctx.requestLine} failed after the response was committed; closing the connection`, error);
            ctx.bodyDone(false);
            controller.error(error);
            return;
          }
          next = undefined;
          if (result.done) {
            if (limit !== undefined && written < limit) {
              await fail(controller, `the app's body (${written} bytes) is shorter than its Content-Length ${limit}; closed the connection`);
              return;
            }
            controller.close();
            ctx.bodyDone(true);
            return;
          }
          chunk = result.value;
        }
        if (limit !== undefined && written + chunk.byteLength > limit) {
          chunk = chunk.subarray(0, limit - written);
          cut = true;
        }
        written += chunk.byteLength;
        ctx.countBytes(written);
        controller.enqueue(chunk);
      },
      cancel(reason) {
        ctx.bodyDone(false);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

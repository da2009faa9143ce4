/**
 * A `Response` from another copy of the Fetch implementation (the `undici` npm package, another
 * realm) fails `instanceof Response` though it is one. The adapter adopts it as the runtime's
 * own (SPEC 2.1.5), rather than answering 500 to an app that did nothing wrong in spirit.
 * @module
 */

/** What is read from a foreign Response: the fields `new Response(body, init)` needs. */
interface ResponseLike {
  readonly status: unknown;
  readonly statusText: unknown;
  readonly headers: unknown;
  readonly body: unknown;
}

/** True for an object branded `Response` (its `Symbol.toStringTag`) that is not the runtime's. */
function isForeignResponse(value: unknown): value is ResponseLike {
  return typeof value === 'object' && value !== null && !(value instanceof Response) && Object.prototype.toString.call(value) === '[object Response]';
}

/**
 * Returns `value` as the runtime's `Response` when it is a Response of another implementation
 * (`new Response(body, { status, statusText, headers })`: the body stream is handed over, not
 * copied), and anything else unchanged. Throws a TypeError saying what to return instead when
 * such a Response cannot be adopted (its body is not this runtime's `ReadableStream`, or its
 * status is outside 200-599, as `Response.error()`'s 0).
 *
 * @example
 * ```ts
 * import { Response as UndiciResponse } from 'undici';
 * adoptForeignResponse(new UndiciResponse('hi')) instanceof Response; // true
 * ```
 */
export function adoptForeignResponse(value: unknown): unknown {
  if (!isForeignResponse(value)) return value;
  const { status, statusText, headers, body } = value;
  if (body !== null && !(body instanceof ReadableStream)) {
    throw new TypeError('tsgi: the app returned a Response of another fetch implementation whose body is not this runtime\'s ReadableStream; return the global Response');
  }
  try {
    return new Response(body, { status: status as number, statusText: statusText as string, headers: headers as HeadersInit });
  } catch (error) {
    throw new TypeError(`tsgi: the app returned a Response of another fetch implementation (the undici package?) that cannot be sent: ${(error as Error).message}`, { cause: error });
  }
}

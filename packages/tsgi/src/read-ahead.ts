/**
 * The one guess both response writers (write-response.ts for node, fetch-shim-response.ts for
 * toFetchHandler) make about an app's body stream after its first chunk: a body already complete
 * in memory (a string, bytes, JSON) ends within a couple of microtasks, so it can be sent whole
 * with a Content-Length; a live stream (server-sent events) does not, and its first chunk must go
 * out now (SPEC 5.9.2), never held back waiting for a second. Guessing wrong only costs chunked
 * framing, never correctness.
 * @module
 */

/** What reading one chunk ahead found. */
export interface ReadAhead {
  /** The second read's result, when it settled within the few microtasks allowed. */
  readonly second: ReadableStreamReadResult<Uint8Array> | undefined;
  /** The second read itself: a live stream continues from it. */
  readonly pending: Promise<ReadableStreamReadResult<Uint8Array>>;
}

/**
 * Starts the second read and waits up to three microtask hops for it. Rejects with the stream's
 * error if the read failed within them.
 *
 * @example
 * ```ts
 * const { second, pending } = await readAhead(reader);
 * if (second?.done) sendWhole(firstChunk); else stream(firstChunk, second ?? pending);
 * ```
 */
export async function readAhead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadAhead> {
  let second: ReadableStreamReadResult<Uint8Array> | undefined;
  let failure: unknown;
  const pending = reader.read().then(
    (r) => (second = r),
    (error: unknown) => {
      failure = error ?? new Error('body stream errored');
      throw error;
    },
  );
  pending.catch(() => {});
  for (let hop = 0; hop < 3 && second === undefined && failure === undefined; hop++) await undefined;
  if (failure !== undefined) throw failure;
  return { second, pending };
}

/**
 * Hot-path shortcut for standard Responses on Node 20: the bytes of a body that is already
 * complete in memory, read from undici's internal state instead of through its stream.
 *
 * Why: on Node 20 reading even a one-chunk body through `response.body` costs as much as
 * building the Response did (stream reader, two reads, promise hops), which keeps a hello world
 * on a standard `new Response('...')` well under half of raw node:http. undici (Node 20) keeps
 * what the body was made from in the response's `Symbol(state)` slot (`body.source`, with
 * `body.length`). When that slot is absent (Node 22+ keeps it in private fields) or holds
 * anything but a string or bytes, or the body was touched, this returns undefined and the
 * writer reads the stream as usual; so the shortcut can only ever be skipped, never wrong.
 * @module
 */

/** undici's state symbol on Response instances, when this runtime exposes one. */
const kState: symbol | undefined = Object.getOwnPropertySymbols(new Response(null)).find((s) => s.description === 'state');

interface UndiciBody {
  stream?: ReadableStream<Uint8Array>;
  source?: unknown;
  length?: number | null;
}

/**
 * The complete body of `response` when the runtime has it in memory as a string or bytes and
 * nothing has read it yet; otherwise undefined (read `response.body` instead).
 */
export function knownBody(response: Response): string | Uint8Array | undefined {
  if (kState === undefined) return undefined;
  const state = (response as unknown as Record<symbol, { body?: UndiciBody | null } | undefined>)[kState];
  const body = state?.body;
  if (body == null) return undefined;
  const source = body.source;
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) return undefined;
  const stream = body.stream;
  // Touched (locked or read): the stream, not the source, is the truth now.
  if (stream === undefined || stream.locked || response.bodyUsed) return undefined;
  return source;
}

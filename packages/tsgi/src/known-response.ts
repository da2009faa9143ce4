/**
 * Hot-path shortcut for standard Responses on Node 20: status, headers and a body that is
 * already complete in memory, read from undici's internal record instead of through the
 * Response's getters, its Headers iterator and its ReadableStream.
 *
 * Why: on Node 20 building a `new Response('...')` already halves raw node:http's throughput,
 * and every read through the public surface costs on top (the Headers iterator sorts and copies;
 * touching the body's ReadableStream, even `.locked`, is slow on Node 20's transferable streams).
 * undici (Node 20) keeps the response in its `Symbol(state)` slot: `status`, `statusText`,
 * `headersList` (a Map of lower-case name to `{ name, value }`, with Set-Cookie values kept
 * apart in `cookies`) and `body` (`source` and `stream`). When that slot is absent (Node 22+
 * keeps these in private fields) or holds anything unexpected, this returns undefined and the
 * writer takes the standard path; so the shortcut can only ever be skipped, never wrong.
 *
 * Measured 2026-12-06 on Node 20 (toNodeListener from this build and from one without the
 * shortcut, both in one process, driven with stub req/res, sampled alternately, CPU time per
 * request, median of 11, two runs): `new Response('hello')` 10.7-13.7 us a request with it,
 * 16.0-24.1 us without; `Response.json({ message })` 14.2-19.4 us with it, 18.2-24.0 us
 * without: 4-10 us saved a request.
 * @module
 */

/**
 * Where this runtime keeps a Response's record, found once by probing: undici's state symbol on
 * Response instances and its header map symbol on a HeadersList (undefined when absent). Probed
 * on first use, not at import: the probe loads node's fetch classes (fetch-class-link.ts: 11.6 MB
 * a process on Node 20), which a process answering only FastResponses never needs.
 */
interface UndiciSymbols {
  kState: symbol | undefined;
  kHeadersMap: symbol | undefined;
}
let undiciSymbols: UndiciSymbols | undefined;

function probeUndici(): UndiciSymbols {
  if (undiciSymbols !== undefined) return undiciSymbols;
  const probe = new Response(null);
  const kState = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'state');
  const list = kState === undefined ? undefined : (probe as unknown as Record<symbol, { headersList?: object } | undefined>)[kState]?.headersList;
  const kHeadersMap = list === undefined ? undefined : Object.getOwnPropertySymbols(list).find((s) => s.description === 'headers map');
  return (undiciSymbols = { kState, kHeadersMap });
}

/** node's webstreams state symbols (below), probed on first use like undici's. */
interface StreamSymbols {
  locked: symbol | undefined;
  closed: symbol | undefined;
}
let streamSymbols: StreamSymbols | undefined;

function probeStreams(): StreamSymbols {
  if (streamSymbols !== undefined) return streamSymbols;
  const locked = probeStreamState();
  return (streamSymbols = { locked, closed: probeClosedState(locked) });
}

/**
 * node's webstreams state symbol on ReadableStream instances (`kState`), when its `reader` field
 * says whether the stream is locked: checked once (on first use) on a probe stream, unlocked
 * then locked.
 * Undefined on a runtime where that does not hold; {@link streamLocked} then asks `.locked`.
 */
export function streamStateSymbol(): symbol | undefined {
  return probeStreams().locked;
}

function probeStreamState(): symbol | undefined {
  const stream = new ReadableStream();
  const symbol = Object.getOwnPropertySymbols(stream).find((s) => s.description === 'kState');
  if (symbol === undefined) return undefined;
  const state = (stream as unknown as Record<symbol, { reader?: unknown } | undefined>)[symbol];
  if (state === null || typeof state !== 'object' || !('reader' in state) || state.reader !== undefined) return undefined;
  stream.getReader();
  return state.reader !== undefined ? symbol : undefined;
}

/**
 * node's webstreams state symbol again, when its `state` field reads 'closed' for a stream that
 * has closed and holds nothing, and not for one that has not: checked once on two probe
 * streams. Undefined on a runtime where that does not hold; {@link streamClosed} then
 * answers false (the caller reads on).
 */
function probeClosedState(symbol: symbol | undefined): symbol | undefined {
  if (symbol === undefined) return undefined;
  const open = new ReadableStream();
  const closed = new ReadableStream({ start: (controller) => controller.close() });
  return !streamClosed(open, symbol) && streamClosed(closed, symbol) ? symbol : undefined;
}

/**
 * Whether `stream` has closed with nothing left to read, by node's own record of it
 * (`stateSymbol`, default the probed one; null: do not use it); false when that record is not
 * there (unknown: the caller reads on, which is always right).
 *
 * Why: Node 22+ closes a Response's in-memory body stream as its one chunk is read, so after the
 * first read the body is known to be whole without a second read and the read-ahead's microtask
 * hops (read-ahead.ts). Node 20 closes it one microtask later, so there this answers false.
 */
export function streamClosed(stream: ReadableStream, stateSymbol: symbol | null | undefined = probeStreams().closed): boolean {
  if (stateSymbol == null) return false;
  const state = (stream as unknown as Record<symbol, { state?: unknown } | undefined>)[stateSymbol];
  return state !== null && typeof state === 'object' && state.state === 'closed';
}

/**
 * Whether a reader has taken `stream`: node's own record of it (`stateSymbol`, default
 * {@link streamStateSymbol}; null: do not use it) when the stream has one, else its `locked` getter.
 *
 * Why: on Node 20 `locked` on a Response body's freshly made (transferable) stream was the
 * costliest frame of this module. Measured 2026-12-06 (toNodeListener in one process with a
 * fresh `new Response('Hello, World!')` per request, real IncomingMessage/ServerResponse,
 * 100,000 requests, `--cpu-prof-interval 100`, pinned to one core of the loaded 2-core machine):
 * `bodyOf` 2.4% of the samples with the getter, this function 0.3% instead, about 1 us a
 * request; the handler's own `handle` was 0.8% in both.
 */
export function streamLocked(stream: ReadableStream, stateSymbol: symbol | null | undefined = probeStreams().locked): boolean {
  if (stateSymbol == null) return stream.locked;
  const state = (stream as unknown as Record<symbol, { reader?: unknown } | undefined>)[stateSymbol];
  // Not one of node's own streams: its public answer.
  if (state === null || typeof state !== 'object') return stream.locked;
  return state.reader !== undefined;
}

interface UndiciBody {
  stream?: ReadableStream<Uint8Array>;
  source?: unknown;
}

interface UndiciHeadersList {
  cookies?: string[] | null;
  [key: symbol]: Map<string, { name: string; value: string }> | undefined;
}

interface UndiciState {
  type?: string;
  status?: unknown;
  statusText?: unknown;
  headersList?: UndiciHeadersList;
  body?: UndiciBody | null;
}

/** A standard Response as the writer needs it, read in one go. */
export interface KnownResponse {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names and values, flat (`[name, value, name, value...]`), Set-Cookie one per field. */
  readonly headers: string[];
  /** The whole body, or null for none. */
  readonly body: string | Uint8Array | null;
}

/**
 * The response's status, headers and whole body when the runtime keeps them in memory and
 * nothing has locked the body; otherwise undefined (read the Response's public surface).
 */
export function knownResponse(response: Response): KnownResponse | undefined {
  const { kState, kHeadersMap } = probeUndici();
  if (kState === undefined || kHeadersMap === undefined) return undefined;
  // A subclass may override the getters (status, headers...): only a plain Response is read raw.
  if (Object.getPrototypeOf(response) !== Response.prototype) return undefined;
  const state = (response as unknown as Record<symbol, UndiciState | undefined>)[kState];
  if (state === undefined || state.type !== 'default') return undefined;
  const { status, statusText, headersList } = state;
  if (typeof status !== 'number' || typeof statusText !== 'string' || headersList === undefined) return undefined;
  const map = headersList[kHeadersMap];
  if (!(map instanceof Map)) return undefined;
  const body = bodyOf(state.body);
  if (body === undefined) return undefined;
  const headers: string[] = [];
  for (const [name, entry] of map) {
    if (name === 'set-cookie') {
      // The map joins Set-Cookie values with ", "; cookies are never combined (RFC 6265 section 3).
      for (const cookie of headersList.cookies ?? [entry.value]) headers.push(name, cookie);
    } else {
      headers.push(name, entry.value);
    }
  }
  return { status, statusText, headers, body };
}

/** The body's bytes or text; null for no body; undefined when it is not known in memory. */
function bodyOf(body: UndiciBody | null | undefined): string | Uint8Array | null | undefined {
  if (body === null || body === undefined) return null;
  const source = body.source;
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) return undefined;
  const stream = body.stream;
  // Locked (a reader took it, perhaps read it): the stream, not the source, is the truth now.
  if (stream === undefined || streamLocked(stream)) return undefined;
  return source;
}

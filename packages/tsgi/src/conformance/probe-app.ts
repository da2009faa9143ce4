/**
 * The probe app: a TSGI app whose routes report back what the server gave them (as JSON), or
 * misbehave on purpose (throw, return a non-Response, set hop-by-hop headers, lie about
 * Content-Length) so the kit can watch the server cope. Cross-request facts (completion,
 * cancellation, waitUntil) are written to `$TSGI_PROBE_DIR` (see observations.ts), so the probe
 * works the same in one process or in many workers.
 *
 * Routes (relative to `context.mountPath`): /echo, /stall, /no-read, /text, /stream, /hold, /backpressure,
 * /completed, /signal, /waituntil, /waituntil-late, /waituntil-reject, /error, /reject,
 * /not-a-response, /error-after-commit, /bad-status, /bad-status-text, /bad-header, /file-missing, /hop-by-hop, /date, /cl-long, /cl-short, /status,
 * /set-cookies, /file, /state, /latin1, /wide; the extension routes of probe-hints-trailers.ts.
 *
 * @example Serve it by hand to poke at a server:
 * ```sh
 * TSGI_PROBE_DIR=/tmp/probe tsgi-appserver packages/tsgi/src/conformance/probe-app.ts:application
 * curl -s localhost:8000/echo | jq .
 * ```
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TSGI_FILE, type TsgiAppObject, type TsgiContext, type TsgiStartupContext, type TsgiState } from '../types.js';
import { defineApp, TSGI_APP, FETCH_SERVER_PROTOCOL } from '../define-app.js';
import { FastResponse } from '../fast-response.js';
import { checkContext, checkRequest } from '../validate-server.js';
import { observe } from './observations.js';
import { hintsTrailersRoute } from './probe-hints-trailers.js';
import { websocketDeclared, websocketRoute } from './probe-websocket.js';

const encoder = new TextEncoder();
/** The file /file sends: this module itself, so the kit can read the same bytes. */
const PROBE_FILE = fileURLToPath(import.meta.url);
let lastServer: unknown;
let lastContext: unknown;
/** The state objects startup filled (one per server in this process), to tell shutdown's from a copy (SPEC 2.3.4). */
const startupStates = new WeakSet<TsgiState>();
/** The context fields of SPEC 4.0 (and Object's own): any other name must contain a dot (an extension, 4.0.4). */
const CONTEXT_FIELDS = new Set(['remoteAddress', 'remotePort', 'client', 'localAddress', 'localPort', 'serverName', 'encrypted', 'scheme', 'protocol', 'rawHeaders', 'mountPath', 'state', 'worker', 'server', 'log', 'completed', 'waitUntil', 'constructor']);

/** Context property names, own and inherited (getters on a class count), that are neither SPEC fields nor extension names. */
function extraContextFields(context: object): string[] {
  const extra = new Set<string>();
  for (let o: object | null = context; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) if (!CONTEXT_FIELDS.has(name) && !name.includes('.')) extra.add(name);
  }
  return [...extra];
}

/** An abort reason's name (`AbortError`, `TimeoutError`), or what it is when it has none. */
function reasonName(reason: unknown): string {
  if (reason instanceof Error || reason instanceof DOMException) return reason.name;
  return `not an Error: ${typeof reason}`;
}
/** How the server called fetch last (read synchronously by /echo before any await). */
let lastCall = { argumentCount: 0, thisIsApp: false };

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const value = Number(url.searchParams.get(name) ?? fallback);
  return Number.isSafeInteger(value) && value >= 0 ? Math.min(value, max) : fallback;
}

/** The observation id a route writes under: letters, digits, dash and underscore only. */
function idParam(url: URL): string {
  const id = url.searchParams.get('id') ?? 'anonymous';
  return /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : 'invalid-id';
}

async function readBody(request: Request): Promise<{ length: number; sha256: string; chunks: number; error?: string }> {
  const hash = createHash('sha256');
  let length = 0;
  let chunks = 0;
  if (request.body === null) return { length, sha256: hash.digest('hex'), chunks };
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    length += value.byteLength;
    chunks += 1;
  }
  return { length, sha256: hash.digest('hex'), chunks };
}

/** What the app saw, as /echo reports it. */
async function echo(request: Request, context: TsgiContext): Promise<Response> {
  const call = lastCall;
  const violations = [...checkRequest(request), ...checkContext(context, request)].map((v) => v.message);
  let logThrew: string | null = null;
  try {
    context.log.debug('probe: /echo called');
  } catch (error) {
    logThrew = String(error);
  }
  const sameServerAsPrevious = lastServer === undefined ? null : lastServer === context.server;
  lastServer = context.server;
  const sameContextAsPrevious = lastContext === undefined ? null : lastContext === context;
  lastContext = context;
  const bodyNull = request.body === null;
  let body: Awaited<ReturnType<typeof readBody>>;
  try {
    body = await readBody(request);
  } catch (error) {
    // Recorded for the kit (SPEC 3.5.4: a body cut short must error), then rethrown so the server answers.
    const id = new URL(request.url).searchParams.get('id');
    if (id !== null && /^[A-Za-z0-9_-]{1,80}$/.test(id)) observe(`${id}.bodyerror`, { error: String(error) });
    throw error;
  }
  const { server } = context;
  return json({
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    setCookie: request.headers.getSetCookie(),
    bodyNull,
    bodyLength: body.length,
    bodySha256: body.sha256,
    bodyChunks: body.chunks,
    signalAborted: request.signal.aborted,
    violations,
    call,
    logThrew,
    sameServerAsPrevious,
    sameContextAsPrevious,
    extraContextFields: extraContextFields(context),
    context: {
      remoteAddress: context.remoteAddress,
      remotePort: context.remotePort,
      client: { address: context.client.address, port: context.client.port ?? null },
      localAddress: context.localAddress,
      localPort: context.localPort,
      serverName: context.serverName,
      encrypted: context.encrypted,
      scheme: context.scheme,
      protocol: context.protocol,
      rawHeaders: context.rawHeaders,
      mountPath: context.mountPath,
      state: context.state,
      worker: { id: context.worker.id, pid: context.worker.pid },
      server: { software: server.software, tsgiVersion: server.tsgiVersion, extensions: Object.keys(server.extensions), limits: server.limits },
    },
  });
}

/** A body that sends one line, then waits until the server cancels it (or 30 s pass). */
function hold(request: Request, context: TsgiContext, url: URL): Response {
  const id = idParam(url);
  request.signal.addEventListener('abort', () => observe(`${id}.signal`, { aborted: true, reason: reasonName(request.signal.reason) }));
  void context.completed.then((completion) => observe(`${id}.completed`, completion));
  let timer: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('first\n'));
    },
    pull(controller) {
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          controller.enqueue(encoder.encode('last\n'));
          controller.close();
          resolve();
        }, 30_000);
        // A server that never cancels must not keep the test process alive for 30 s.
        timer.unref();
      });
    },
    cancel(reason) {
      clearTimeout(timer);
      observe(`${id}.cancel`, { cancelled: true, reason: String(reason) });
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/plain' } });
}

const BLOCK = new Uint8Array(64 * 1024).fill(0x61);
/** At most this many 64 KiB blocks (256 MiB): a server without backpressure stops here, and fails the case. */
const MAX_BLOCKS = 4096;

/** An endless pull-based body: counts how far the server pulled while the client did not read. */
function backpressure(url: URL): Response {
  const id = idParam(url);
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls += 1;
        if (pulls > MAX_BLOCKS) {
          observe(`${id}.backpressure`, { pulls, cancelled: false, exhausted: true });
          controller.close();
          return;
        }
        controller.enqueue(BLOCK);
      },
      cancel() {
        observe(`${id}.backpressure`, { pulls, cancelled: true });
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
}

function stream(url: URL): Response {
  const chunks = intParam(url, 'chunks', 4, 10_000);
  const size = intParam(url, 'size', 16, 1 << 20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(size).fill(sent % 256));
      sent += 1;
    },
  });
  return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
}

function fileRegion(url: URL): Response {
  const size = statSync(PROBE_FILE).size;
  const offset = intParam(url, 'offset', 0, size);
  const length = intParam(url, 'length', size - offset, size - offset);
  const nodeStream = length === 0 ? Readable.from([]) : createReadStream(PROBE_FILE, { start: offset, end: offset + length - 1 });
  const reader = (Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>).getReader();
  const id = url.searchParams.get('id') === null ? undefined : idParam(url);
  let read = 0;
  let cancelled = false;
  // Reports whether the server read the ordinary body or cancelled it (SPEC 7.2.2: a server that
  // declares tsgi.file cancels it unread).
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (cancelled) return; // the read in flight when the server cancelled ends here
      if (done) {
        if (id !== undefined) observe(`${id}.filebody`, { cancelled: false, read });
        controller.close();
        return;
      }
      read += value.byteLength;
      controller.enqueue(value);
    },
    async cancel(reason) {
      cancelled = true;
      if (id !== undefined) observe(`${id}.filebody`, { cancelled: true, read });
      await reader.cancel(reason);
    },
  });
  const response = new Response(body, {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(length) },
  });
  Object.defineProperty(response, TSGI_FILE, { value: { path: PROBE_FILE, offset, length }, enumerable: false });
  return response;
}

/** A Response (instanceof holds) whose status is outside 200-599: the server must answer 500. */
class BadStatusResponse extends Response {
  override get status(): number {
    return 99;
  }
}

/** A status text with CR LF: the server must never write it (SPEC 5.2.2). */
class BadStatusTextResponse extends Response {
  override get statusText(): string {
    return 'OK\r\nX-Injected-Status: 1';
  }
}

/** Iterates like Headers but yields a value with CR LF: the server must never write it (SPEC 5.3.3). */
class BadHeaderResponse extends Response {
  override get headers(): Headers {
    const entries: Array<[string, string]> = [
      ['content-type', 'text/plain'],
      ['x-bad', 'a\r\nX-Injected: 1'],
    ];
    const fake = {
      get: (name: string) => entries.find(([n]) => n === name.toLowerCase())?.[1] ?? null,
      has: (name: string) => entries.some(([n]) => n === name.toLowerCase()),
      getSetCookie: () => [],
      forEach: (fn: (value: string, name: string) => void) => entries.forEach(([n, v]) => fn(v, n)),
      entries: () => entries[Symbol.iterator](),
      keys: () => entries.map(([n]) => n)[Symbol.iterator](),
      values: () => entries.map(([, v]) => v)[Symbol.iterator](),
      [Symbol.iterator]: () => entries[Symbol.iterator](),
    };
    return fake as unknown as Headers;
  }
}

async function route(request: Request, context: TsgiContext): Promise<Response> {
  const url = new URL(request.url);
  const seen = url.searchParams.get('seen');
  if (seen !== null) observe(`seen-${seen.replace(/[^A-Za-z0-9_-]/g, '_')}`, { method: request.method, url: request.url });
  const path = url.pathname.slice(context.mountPath.length) || '/';
  // /echo/anything echoes too, so fixtures can test paths.
  if (path.startsWith('/echo/')) return echo(request, context);
  switch (path) {
    case '/':
    case '/echo':
      return echo(request, context);
    case '/stall': {
      // Reads one chunk, stops reading for `ms`, then reads the rest: the client should feel it.
      const reader = request.body?.getReader();
      let length = 0;
      if (reader !== undefined) {
        const first = await reader.read();
        length += first.value?.byteLength ?? 0;
        await sleep(intParam(url, 'ms', 2_000, 20_000));
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          length += value.byteLength;
        }
      }
      return json({ length });
    }
    case '/no-read':
      return new Response('ignored the body\n');
    case '/text': {
      // ?head=null: HEAD gets a null body, as SPEC 5.7.1 asks apps (and Hono does).
      const nullHead = request.method === 'HEAD' && url.searchParams.get('head') === 'null';
      return new Response(nullHead ? null : 'x'.repeat(intParam(url, 'size', 100, 1 << 24)), { headers: { 'content-type': 'text/plain', 'x-probe': 'text' } });
    }
    case '/stream':
      return stream(url);
    case '/hold':
      return hold(request, context, url);
    case '/backpressure':
      return backpressure(url);
    case '/completed': {
      const id = idParam(url);
      void context.completed.then((completion) => observe(`${id}.completed`, completion), (error: unknown) => observe(`${id}.completed`, { rejected: String(error) }));
      return new Response('done');
    }
    case '/signal': {
      const id = idParam(url);
      const signal = request.signal;
      let abortEvent = false;
      signal.addEventListener('abort', () => (abortEvent = true));
      void context.completed.then(async (completion) => {
        await sleep(200);
        observe(`${id}.signal`, { aborted: signal.aborted, abortEvent, completion });
      });
      return new Response('signal watched');
    }
    case '/waituntil': {
      const id = idParam(url);
      const ms = intParam(url, 'ms', 100, 20_000);
      context.waitUntil(sleep(ms).then(() => observe(`${id}.waituntil`, { done: true, ms })));
      return new Response('waiting');
    }
    case '/waituntil-late': {
      const id = idParam(url);
      void context.completed.then(() => {
        try {
          context.waitUntil(sleep(50).then(() => observe(`${id}.waituntil`, { done: true })));
        } catch (error) {
          observe(`${id}.waituntil`, { done: false, error: String(error) });
        }
      });
      return new Response('will wait later');
    }
    case '/waituntil-reject': {
      const marker = url.searchParams.get('marker') ?? '';
      context.waitUntil(Promise.reject(new Error(`probe: a waitUntil promise rejected on purpose ${marker}`)));
      return new Response('rejecting later');
    }
    case '/error':
      throw new Error('probe: fetch threw on purpose');
    case '/reject':
      return Promise.reject(new Error('probe: fetch rejected on purpose'));
    case '/not-a-response':
      return { status: 200, body: 'not a Response' } as unknown as Response;
    case '/error-after-commit': {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('partial'));
        },
        async pull(controller) {
          await sleep(300);
          controller.error(new Error('probe: the body failed after the response was committed, on purpose'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    }
    case '/hop-by-hop':
      return new Response('hop', {
        headers: {
          connection: 'x-probe-hop',
          'keep-alive': 'timeout=99',
          'proxy-connection': 'keep-alive',
          'transfer-encoding': 'chunked',
          upgrade: 'probe/1',
          te: 'trailers',
          trailer: 'x-probe-trailer',
          'x-probe-hop': 'kept',
        },
      });
    case '/bad-status':
      return new BadStatusResponse('bad status');
    case '/bad-header':
      return new BadHeaderResponse('bad header');
    case '/bad-status-text':
      return new BadStatusTextResponse('bad status text');
    case '/file-missing': {
      const missing = `${PROBE_FILE}.does-not-exist`;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error(`probe: ENOENT ${missing}`));
        },
      });
      const response = new Response(body, { headers: { 'content-type': 'text/plain' } });
      Object.defineProperty(response, TSGI_FILE, { value: { path: missing }, enumerable: false });
      return response;
    }
    case '/date':
      return new Response('dated', { headers: { date: 'Tue, 01 Jan 2030 00:00:00 GMT' } });
    case '/cl-long':
      return new Response('abcdefghij', { headers: { 'content-length': '5' } });
    case '/cl-short':
      return new Response('abc', { headers: { 'content-length': '20' } });
    case '/status': {
      const code = intParam(url, 'code', 200, 599);
      return new Response(null, { status: code, headers: code === 304 ? { etag: '"probe"' } : {} });
    }
    case '/set-cookies': {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/; HttpOnly');
      return new Response('cookies', { headers });
    }
    case '/file':
      return fileRegion(url);
    case '/latin1': {
      // U+00E9 must reach the wire as the one byte 0xE9, never UTF-8's C3 A9 (SPEC 3.10.2).
      const init = { headers: { 'content-type': 'text/plain', 'x-latin1': 'caf\u00e9' } };
      return url.searchParams.get('fast') === '1' ? new FastResponse('latin1', init) : new Response('latin1', init);
    }
    case '/wide':
      // U+0101 is no byte: Headers refuses it, and a server writing these plain-object headers
      // must treat it as an invalid field, an app error (SPEC 3.10.3).
      return new FastResponse('wide', { headers: { 'content-type': 'text/plain', 'x-wide': 'a\u0101' } });
    case '/state': {
      const seenState = { ...context.state };
      (context.state as Record<string, unknown>).mutatedByRequest = true;
      return json({ state: seenState });
    }
    case '/websocket':
      return websocketRoute(request, context, url, idParam(url));
    case '/websocket-declared':
      return websocketDeclared(context);
    default:
      return (await hintsTrailersRoute(path, request, context, url)) ?? new Response(`probe: no route ${path}\n`, { status: 404 });
  }
}

/**
 * The probe application the server suite serves. `startup` puts `probe: 'started'` into the
 * state and returns `{ startedBy: 'probe' }`; `shutdown` writes the `shutdown` observation.
 */
export const application: TsgiAppObject = defineApp({
  fetch(this: unknown, ...args: unknown[]) {
    lastCall = { argumentCount: args.length, thisIsApp: this === application };
    return route(args[0] as Request, args[1] as TsgiContext);
  },
  startup(context: TsgiStartupContext) {
    (context.state as Record<string, unknown>).probe = 'started';
    startupStates.add(context.state);
    return { startedBy: 'probe' };
  },
  shutdown(context: TsgiStartupContext) {
    observe(`shutdown-${process.pid}`, { at: Date.now(), pid: process.pid, worker: context.worker.id, state: Object.keys(context.state), sameState: startupStates.has(context.state) });
  },
});

/** An app whose startup fails: a server must refuse to start with it (SPEC.md 2.3.3). */
export const failingStartupApplication: TsgiAppObject = {
  fetch: () => new Response('must never be served', { status: 500 }),
  startup() {
    throw new Error('probe: startup failed on purpose');
  },
};

/** The probe as a bare function (no lifespan): servers must accept both forms (SPEC.md 2.1.2). */
export const functionApplication = (request: Request, context: TsgiContext): Promise<Response> => route(request, context);

/** Not an application at all: a server must refuse it with a TypeError (SPEC.md 2.1.2). */
export const notAnApplication = { handler: (): Response => new Response('never') };

/** An app marked for a TSGI major version no 1.x server implements: refused at start (SPEC.md 2.4.3). */
export const futureApplication = { [TSGI_APP]: '2.0', fetch: (): Response => new Response('never') };

/** A Fetch Server API draft handler (`fetch(ctx)`): a TSGI server refuses it at start (SPEC.md 2.4.4). */
export const fetchServerHandler = { [FETCH_SERVER_PROTOCOL]: 1, fetch: (_ctx: unknown): Response => new Response('never') };

/** Absolute path of this module, for harnesses that load the probe from a file. */
export const PROBE_MODULE = PROBE_FILE;

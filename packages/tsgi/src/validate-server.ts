/**
 * The server side of `validate()`: checks the `(request, context)` a server hands an app
 * against SPEC.md sections 3 and 4. The conformance kit's probe app runs the same checks inside
 * any server, so its answers carry the server's violations back to the kit.
 * @module
 */
import { violation, type TsgiViolation } from './validate-codes.js';
import { isToken } from './validate-headers.js';

const CONTEXT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['remoteAddress', 'string'],
  ['remotePort', 'number'],
  ['client', 'object'],
  ['localAddress', 'string'],
  ['localPort', 'number'],
  ['serverName', 'string'],
  ['encrypted', 'boolean'],
  ['scheme', 'string'],
  ['protocol', 'string'],
  ['rawHeaders', 'object'],
  ['mountPath', 'string'],
  ['state', 'object'],
  ['worker', 'object'],
  ['server', 'object'],
  ['log', 'object'],
  ['completed', 'object'],
  ['waitUntil', 'function'],
];

const LIMIT_NAMES = [
  'maxRequestLineBytes',
  'maxHeaderCount',
  'maxHeaderFieldBytes',
  'maxBodyBytes',
  'headersTimeoutMs',
  'bodyTimeoutMs',
  'keepAliveTimeoutMs',
] as const;

const PROTOCOLS = new Set(['HTTP/1.0', 'HTTP/1.1', 'HTTP/2']);
/** `tsgi.` names, or reverse-DNS names such as `com.example.thing` (SPEC.md 4.4). */
const EXTENSION_NAME = /^(?:tsgi\.[a-z0-9][a-z0-9.-]*|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

/** A short `METHOD url` label for messages; never throws. */
export function describeRequest(request: unknown): string | undefined {
  if (!(request instanceof Request)) return undefined;
  try {
    return `${request.method} ${request.url}`;
  } catch {
    return undefined;
  }
}

/**
 * Checks the request a server built (SPEC.md section 3). Reads `url`, `method`, `body` and
 * `signal`; consumes nothing.
 *
 * @example
 * ```ts
 * const problems = checkRequest(request);
 * if (problems.length > 0) console.error(problems.map((p) => p.message).join('\n'));
 * ```
 */
export function checkRequest(request: unknown): TsgiViolation[] {
  if (!(request instanceof Request)) {
    return [violation('TSGI_E_REQUEST_TYPE', `the first argument of fetch is ${typeOf(request)}, not a Request; build a \`new Request(url, init)\` (or a subclass) for every request`)];
  }
  const out: TsgiViolation[] = [];
  const label = describeRequest(request);
  let url: URL | undefined;
  try {
    url = new URL(request.url);
  } catch {
    out.push(violation('TSGI_E_REQUEST_URL', `request.url ${JSON.stringify(request.url)} is not an absolute URL; build it as scheme://host + the request target`, label));
  }
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') {
    out.push(violation('TSGI_E_REQUEST_URL', `request.url has scheme ${url.protocol}; only http: and https: are allowed`, label));
  }
  if (!isToken(request.method)) {
    out.push(violation('TSGI_E_REQUEST_METHOD', `request.method ${JSON.stringify(request.method)} is not a token`, label));
  }
  if ((request.method === 'GET' || request.method === 'HEAD') && request.body !== null) {
    out.push(violation('TSGI_E_REQUEST_BODY', `request.body is a stream on a ${request.method} request; pass \`body: null\` for GET and HEAD`, label));
  }
  const signal: unknown = request.signal;
  if (!(signal instanceof AbortSignal)) {
    out.push(violation('TSGI_E_REQUEST_SIGNAL', `request.signal is ${typeOf(signal)}, not an AbortSignal`, label));
  }
  return out;
}

/**
 * Checks the context a server built against the request it belongs to (SPEC.md section 4).
 * Does not await `completed`; see {@link watchCompletion}.
 *
 * @example
 * ```ts
 * const problems = [...checkRequest(request), ...checkContext(context, request)];
 * ```
 */
export function checkContext(context: unknown, request?: Request): TsgiViolation[] {
  const label = describeRequest(request);
  if (context === null || typeof context !== 'object') {
    return [violation('TSGI_E_CONTEXT_TYPE', `the second argument of fetch is ${typeOf(context)}; pass a TsgiContext object with every field of SPEC.md section 4`, label)];
  }
  const ctx = context as Record<string, unknown>;
  const out: TsgiViolation[] = [];
  for (const [name, type] of CONTEXT_FIELDS) {
    const actual = typeOf(ctx[name]);
    if (actual !== type && !(type === 'object' && name === 'rawHeaders' && actual === 'array')) {
      out.push(violation('TSGI_E_CONTEXT_FIELD', `context.${name} is ${actual}, expected ${type}`, label));
    }
  }
  if (out.length > 0) return out;
  for (const name of ['remotePort', 'localPort'] as const) {
    if (!isPort(ctx[name])) out.push(violation('TSGI_E_CONTEXT_FIELD', `context.${name} is ${String(ctx[name])}; expected an integer port 0-65535 (0 when the transport has none)`, label));
  }
  const client = ctx.client as Record<string, unknown>;
  if (typeof client.address !== 'string') out.push(violation('TSGI_E_CONTEXT_FIELD', `context.client.address is ${typeOf(client.address)}, expected string ('' when unknown)`, label));
  if (client.port !== undefined && !isPort(client.port)) out.push(violation('TSGI_E_CONTEXT_FIELD', `context.client.port is ${String(client.port)}; expected an integer port or undefined when unknown`, label));
  if (!(ctx.completed instanceof Promise) && typeof (ctx.completed as { then?: unknown }).then !== 'function') {
    out.push(violation('TSGI_E_CONTEXT_FIELD', 'context.completed is not a Promise', label));
  }
  const log = ctx.log as Record<string, unknown>;
  for (const level of ['debug', 'info', 'warn', 'error']) {
    if (typeof log[level] !== 'function') out.push(violation('TSGI_E_CONTEXT_FIELD', `context.log.${level} is ${typeOf(log[level])}, expected a function`, label));
  }
  if (ctx.scheme !== 'http' && ctx.scheme !== 'https') {
    out.push(violation('TSGI_E_CONTEXT_SCHEME', `context.scheme is ${JSON.stringify(ctx.scheme)}; expected 'http' or 'https'`, label));
  }
  if (!PROTOCOLS.has(ctx.protocol as string)) {
    out.push(violation('TSGI_E_CONTEXT_PROTOCOL', `context.protocol is ${JSON.stringify(ctx.protocol)}; expected 'HTTP/1.0', 'HTTP/1.1' or 'HTTP/2'`, label));
  }
  const raw = ctx.rawHeaders;
  if (!Array.isArray(raw) || raw.length % 2 !== 0 || raw.some((item) => typeof item !== 'string')) {
    out.push(violation('TSGI_E_CONTEXT_RAW_HEADERS', 'context.rawHeaders must be an even-length array of strings [name, value, ...] (node: req.rawHeaders)', label));
  }
  const mount = ctx.mountPath as string;
  if (mount !== '' && (!mount.startsWith('/') || mount.endsWith('/'))) {
    out.push(violation('TSGI_E_CONTEXT_MOUNT_PATH', `context.mountPath is ${JSON.stringify(mount)}; expected '' at the root or '/prefix' with no trailing slash`, label));
  }
  const worker = ctx.worker as Record<string, unknown>;
  if (!(Number.isInteger(worker.id) && (worker.id as number) >= 1) || !Number.isInteger(worker.pid)) {
    out.push(violation('TSGI_E_CONTEXT_WORKER', `context.worker is { id: ${String(worker.id)}, pid: ${String(worker.pid)} }; expected a positive integer id and the process id`, label));
  }
  out.push(...checkServerInfo(ctx.server, label));
  if (request instanceof Request) out.push(...checkAgainstUrl(ctx, request, label));
  return out;
}

function checkAgainstUrl(ctx: Record<string, unknown>, request: Request, label: string | undefined): TsgiViolation[] {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return [];
  }
  const out: TsgiViolation[] = [];
  if (url.protocol !== `${String(ctx.scheme)}:`) {
    out.push(violation('TSGI_E_CONTEXT_SCHEME', `context.scheme is ${JSON.stringify(ctx.scheme)} but request.url starts with ${url.protocol}//; derive both from the same rule (TLS or a trusted proxy)`, label));
  }
  if (ctx.serverName !== url.hostname) {
    out.push(violation('TSGI_E_CONTEXT_SERVER_NAME', `context.serverName is ${JSON.stringify(ctx.serverName)} but request.url's hostname is ${JSON.stringify(url.hostname)}`, label));
  }
  const mount = ctx.mountPath as string;
  if (mount !== '' && url.pathname !== mount && !url.pathname.startsWith(`${mount}/`)) {
    out.push(violation('TSGI_E_CONTEXT_MOUNT_PATH', `request.url's path ${JSON.stringify(url.pathname)} is not under context.mountPath ${JSON.stringify(mount)}; request.url carries the full path, and requests outside the mount path get 404 from the server`, label));
  }
  return out;
}

/**
 * Checks a `TsgiServerInfo` declaration (SPEC.md 4.3, 4.4).
 *
 * @example
 * ```ts
 * checkServerInfo(context.server).forEach((p) => console.error(p.message));
 * ```
 */
export function checkServerInfo(server: unknown, label?: string): TsgiViolation[] {
  if (server === null || typeof server !== 'object') {
    return [violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server is ${typeOf(server)}; expected the server's TsgiServerInfo`, label)];
  }
  const info = server as Record<string, unknown>;
  const out: TsgiViolation[] = [];
  if (typeof info.software !== 'string' || info.software === '') {
    out.push(violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server.software is ${JSON.stringify(info.software)}; expected a product token such as 'tsgi/0.1.0'`, label));
  }
  if (typeof info.tsgiVersion !== 'string' || !/^1\.\d+$/.test(info.tsgiVersion)) {
    out.push(violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server.tsgiVersion is ${JSON.stringify(info.tsgiVersion)}; expected the SPEC version implemented, '1.<minor>'`, label));
  }
  const extensions = info.extensions;
  if (extensions === null || typeof extensions !== 'object') {
    out.push(violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server.extensions is ${typeOf(extensions)}; expected an object ({} when there are none)`, label));
  } else {
    for (const name of Object.keys(extensions)) {
      if (!EXTENSION_NAME.test(name)) {
        out.push(violation('TSGI_E_EXTENSION_NAME', `extension ${JSON.stringify(name)} is neither 'tsgi.<name>' nor a reverse-DNS name such as 'com.example.${name}'`, label));
      }
    }
  }
  const limits = info.limits as Record<string, unknown> | null | undefined;
  if (limits === null || typeof limits !== 'object') {
    out.push(violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server.limits is ${typeOf(limits)}; expected every TsgiLimits field`, label));
  } else {
    for (const name of LIMIT_NAMES) {
      const value = limits[name];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        out.push(violation('TSGI_E_CONTEXT_SERVER_INFO', `context.server.limits.${name} is ${String(value)}; expected a non-negative number (0 = no limit)`, label));
      }
    }
  }
  return out;
}

/**
 * Watches `context.completed` and `request.signal`: reports a rejection, a badly shaped
 * completion, or a signal aborted although the response completed normally (SPEC.md 3.7.2,
 * 4.5). Calls `report` for each problem; never throws.
 */
export function watchCompletion(context: { completed: Promise<unknown> }, request: Request, report: (found: TsgiViolation) => void): void {
  const label = describeRequest(request);
  context.completed.then(
    (completion) => {
      const c = completion as Record<string, unknown> | null;
      if (c === null || typeof c !== 'object' || typeof c.aborted !== 'boolean' || typeof c.bytesWritten !== 'number' || !Number.isInteger(c.status)) {
        report(violation('TSGI_E_COMPLETION_SHAPE', `context.completed fulfilled with ${JSON.stringify(completion)}`, label));
        return;
      }
      if (c.aborted === false && request.signal.aborted) {
        report(violation('TSGI_E_REQUEST_SIGNAL', 'request.signal is aborted although context.completed says the response completed normally; abort it only when the client disconnects early', label));
      }
    },
    (error: unknown) => {
      report(violation('TSGI_E_COMPLETED_REJECTED', `context.completed rejected with ${String(error)}; settle it with { aborted: true, ... } instead`, label));
    },
  );
}

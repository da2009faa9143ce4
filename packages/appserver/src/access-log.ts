/**
 * The access log: one line per request, in Gunicorn's format language (`%(h)s %(r)s ...`) or as
 * JSON. The format is compiled once into a list of parts; a line costs one pass over them.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, requestIdOf } from 'tsgi-head-gate';

/** What one finished request tells the access log. */
export interface AccessRecord {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Response body bytes written. */
  readonly bytes: number;
  /** When the request arrived (process.hrtime.bigint()). */
  readonly start: bigint;
  /** The status sent, or 0 when nothing was sent. */
  readonly status: number;
  readonly workerId: number;
  /** Headers given to `res.writeHead` directly (not visible through `res.getHeader`). */
  readonly writeHeadHeaders?: unknown;
}

/** A response header, whether set with setHeader or passed to writeHead (object, flat array or pairs). */
function responseHeader(r: AccessRecord, name: string): string | undefined {
  const set = r.res.getHeader(name);
  if (set !== undefined) return Array.isArray(set) ? set.join(', ') : String(set);
  const given = r.writeHeadHeaders;
  if (given === undefined || given === null || typeof given !== 'object') return undefined;
  const lower = name.toLowerCase();
  const found: string[] = [];
  if (Array.isArray(given)) {
    if (given.length > 0 && Array.isArray(given[0])) {
      for (const pair of given as unknown[][]) if (String(pair[0]).toLowerCase() === lower) found.push(String(pair[1]));
    } else {
      for (let i = 0; i + 1 < given.length; i += 2) if (String(given[i]).toLowerCase() === lower) found.push(String(given[i + 1]));
    }
  } else {
    for (const [k, v] of Object.entries(given)) if (k.toLowerCase() === lower) found.push(Array.isArray(v) ? v.join(', ') : String(v));
  }
  return found.length > 0 ? found.join(', ') : undefined;
}

type Atom = (r: AccessRecord, elapsedNs: bigint) => string;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[26/Nov/2026:00:46:28 +0000]`, the Common Log Format time. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** Escapes `"`, `\` and control characters so a client cannot forge log lines. */
function safe(value: string | undefined): string {
  if (value === undefined || value === '') return '-';
  // eslint-disable-next-line no-control-regex
  return /["\\\x00-\x1f\x7f]/.test(value) ? value.replace(/["\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : value;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function basicUser(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth === undefined || !/^basic /i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

function path(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function query(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** Gunicorn's atoms, plus `w` (the worker id). */
const ATOMS: Record<string, Atom> = {
  h: (r) => safe(r.req.socket.remoteAddress),
  l: () => '-',
  u: (r) => safe(basicUser(r.req)),
  t: () => clfTime(new Date()),
  r: (r) => safe(`${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}`),
  m: (r) => safe(r.req.method),
  U: (r) => safe(path(r.req)),
  q: (r) => safe(query(r.req)),
  H: (r) => `HTTP/${r.req.httpVersion}`,
  s: (r) => String(r.status),
  B: (r) => String(r.bytes),
  b: (r) => (r.bytes > 0 ? String(r.bytes) : '-'),
  f: (r) => safe(header(r.req, 'referer')),
  a: (r) => safe(header(r.req, 'user-agent')),
  T: (_r, ns) => String(ns / 1_000_000_000n),
  M: (_r, ns) => String(ns / 1_000_000n),
  D: (_r, ns) => String(ns / 1_000n),
  L: (_r, ns) => (Number(ns / 1_000n) / 1e6).toFixed(6),
  p: () => `<${process.pid}>`,
  w: (r) => String(r.workerId),
};

function variableAtom(name: string): Atom | undefined {
  const m = /^\{([^}]+)\}([ioe])$/.exec(name);
  if (m === null) return ATOMS[name];
  const key = m[1]!;
  if (m[2] === 'i') {
    const name = key.toLowerCase();
    // The request id is made when first read (tsgi's requestIdOf): a line that shows it is one such reader.
    return name === REQUEST_ID_HEADER ? (r) => safe(requestIdOf(r.req)) : (r) => safe(header(r.req, name));
  }
  if (m[2] === 'o') return (r) => safe(responseHeader(r, key));
  return () => safe(process.env[key] ?? process.env[key.toUpperCase()]);
}

/** Names of the atoms `--access-logformat` understands (for errors and docs). */
export const ATOM_NAMES = Object.keys(ATOMS);

/**
 * Compiles a format into a line builder; unknown atoms are an error naming them.
 *
 * @example
 * ```ts
 * const line = compileAccessFormat('%(h)s "%(r)s" %(s)s %(L)s');
 * ```
 */
export function compileAccessFormat(format: string): (r: AccessRecord) => string {
  const parts: Array<string | Atom> = [];
  const re = /%\(([^)]+)\)s/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    const atom = variableAtom(m[1]!);
    if (atom === undefined) {
      throw new Error(`unknown atom %(${m[1]})s; known atoms: ${ATOM_NAMES.join(' ')}, {header}i, {header}o, {VAR}e`);
    }
    parts.push(atom);
    last = re.lastIndex;
  }
  if (last < format.length) parts.push(format.slice(last));
  return (r) => {
    const ns = process.hrtime.bigint() - r.start;
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(r, ns);
    return out;
  };
}

/** A JSON access log line: the same facts, named. */
export function jsonAccessLine(r: AccessRecord): string {
  const ns = process.hrtime.bigint() - r.start;
  return JSON.stringify({
    time: new Date().toISOString(),
    remote_addr: r.req.socket.remoteAddress ?? '',
    user: basicUser(r.req) ?? null,
    method: r.req.method,
    url: r.req.url,
    protocol: `HTTP/${r.req.httpVersion}`,
    status: r.status,
    bytes: r.bytes,
    referer: header(r.req, 'referer') ?? null,
    user_agent: header(r.req, 'user-agent') ?? null,
    // The request's id (tsgi's request-id.ts, SPEC 3.4.5), made now if nothing read it before.
    request_id: requestIdOf(r.req),
    duration_ms: Number(ns / 1000n) / 1000,
    pid: process.pid,
    worker: r.workerId,
  });
}

/**
 * `[[upstream]]` server entries and `proxy_pass` targets, turned into the proxy's contract
 * (src/proxy/options.ts).
 * @module
 */
import { ValueError } from './errors.js';
import { parseBindAddress } from './listen.js';
import { settingDefault } from './settings.js';
import { parseDuration } from './units.js';
import type { UpstreamAddress, UpstreamOptions, UpstreamServerOptions } from '../proxy/options.js';

/** nginx's defaults for the parameters of one server entry (the block's own keys are in the settings table). */
export const UPSTREAM_DEFAULTS = { weight: 1, maxFails: 1, failTimeoutMs: 10_000 } as const;

/**
 * One server entry: `"127.0.0.1:8000 weight=2 max_fails=3 fail_timeout=30s backup"`, or a table
 * `{ address = "unix:/run/app.sock", weight = 2 }`.
 */
export function parseUpstreamServer(entry: unknown): UpstreamServerOptions {
  let address: string;
  const params: Record<string, unknown> = {};
  if (typeof entry === 'string') {
    const [first, ...rest] = entry.trim().split(/\s+/);
    address = first ?? '';
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq === -1) params[p] = true;
      else params[p.slice(0, eq)] = p.slice(eq + 1);
    }
  } else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const { address: a, ...rest } = entry as Record<string, unknown>;
    if (typeof a !== 'string') throw new ValueError('a server table needs address = "host:port" or "unix:/path"');
    address = a;
    Object.assign(params, rest);
  } else {
    throw new ValueError('each server is a string "host:port [weight=N] ..." or a table { address = "host:port", weight = N }');
  }
  const allowed = ['weight', 'max_fails', 'fail_timeout', 'backup', 'down', 'max_conns'];
  for (const k of Object.keys(params)) {
    if (!allowed.includes(k)) throw new ValueError(`"${address}": unknown server parameter ${JSON.stringify(k)}; allowed: ${allowed.join(', ')}`);
  }
  const num = (k: string, min: number, def: number): number => {
    const v = params[k];
    if (v === undefined) return def;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min) throw new ValueError(`"${address}": ${k} must be an integer >= ${min}`);
    return n;
  };
  const flag = (k: string): boolean => {
    const v = params[k];
    if (v === undefined) return false;
    if (v !== true && v !== false) throw new ValueError(`"${address}": ${k} is a flag (true/false)`);
    return v;
  };
  let failTimeoutMs: number = UPSTREAM_DEFAULTS.failTimeoutMs;
  if (params.fail_timeout !== undefined) {
    const ms = parseDuration(params.fail_timeout);
    if (ms === undefined) throw new ValueError(`"${address}": fail_timeout must be a duration such as 10s`);
    failTimeoutMs = ms;
  }
  return {
    name: address,
    address: upstreamAddress(address, 80),
    weight: num('weight', 1, UPSTREAM_DEFAULTS.weight),
    maxFails: num('max_fails', 0, UPSTREAM_DEFAULTS.maxFails),
    failTimeoutMs,
    backup: flag('backup'),
    down: flag('down'),
    maxConns: num('max_conns', 0, 0),
  };
}

function upstreamAddress(text: string, defaultPort: number): UpstreamAddress {
  if (!text.startsWith('unix:') && !text.includes(':') && !text.startsWith('[')) text = `${text}:${defaultPort}`;
  const a = parseBindAddress(text);
  if (a.kind === 'unix') return a;
  if (a.port === 0) throw new ValueError(`"${text}": an upstream needs a port other than 0`);
  return { kind: 'tcp', host: a.host === '' ? '127.0.0.1' : a.host, port: a.port };
}

/** An upstream made from a bare address in `proxy_pass` (nginx does the same). */
export function implicitUpstream(name: string, address: UpstreamAddress): UpstreamOptions {
  return {
    name,
    servers: [{ name, address, weight: 1, maxFails: UPSTREAM_DEFAULTS.maxFails, failTimeoutMs: UPSTREAM_DEFAULTS.failTimeoutMs, backup: false, down: false, maxConns: 0 }],
    balance: settingDefault('upstream', 'balance'),
    keepalive: settingDefault('upstream', 'keepalive'),
    keepaliveTimeoutMs: settingDefault('upstream', 'keepalive_timeout'),
  };
}

/**
 * Splits a `proxy_pass` URL into the target (an upstream name or an address) and the URI part.
 * @example parseProxyPass('http://backend/api/') // { target: 'backend', uri: '/api/' }
 * @example parseProxyPass('http://unix:/run/app.sock:/') // { target: 'unix:/run/app.sock', uri: '/' }
 */
export function parseProxyPass(url: string): { target: string; uri: string | undefined } {
  if (url.startsWith('https://')) throw new ValueError('https upstreams are not supported; use http:// (TLS ends at this server)');
  if (!url.startsWith('http://')) throw new ValueError(`expected http://NAME, http://host:port or http://unix:/path: (with an optional /uri), got ${JSON.stringify(url)}`);
  const rest = url.slice(7);
  if (rest.startsWith('unix:')) {
    // nginx: http://unix:/path/to.sock:/uri — the socket path ends at the next ':'.
    const end = rest.indexOf(':', 5);
    const target = end === -1 ? rest : rest.slice(0, end);
    const uri = end === -1 || end === rest.length - 1 ? undefined : rest.slice(end + 1);
    if (uri !== undefined && !uri.startsWith('/')) throw new ValueError('the URI after a unix socket must start with "/"');
    return { target, uri };
  }
  const slash = rest.indexOf('/');
  const target = slash === -1 ? rest : rest.slice(0, slash);
  if (target === '') throw new ValueError('proxy_pass needs a host or upstream name');
  return { target, uri: slash === -1 ? undefined : rest.slice(slash) };
}

/** Resolves a proxy_pass target to an upstream: a named block, or an implicit one-server upstream. */
export function resolveProxyTarget(target: string, upstreams: ReadonlyMap<string, UpstreamOptions>, implicit: Map<string, UpstreamOptions>): UpstreamOptions {
  const named = upstreams.get(target);
  if (named) return named;
  let up = implicit.get(target);
  if (!up) {
    if (!target.startsWith('unix:') && !/:\d+$/.test(target) && !/^[0-9.]+$/.test(target) && !target.includes('.') && target !== 'localhost') {
      throw new ValueError(`no [[upstream]] named ${JSON.stringify(target)}${upstreams.size ? `; defined: ${[...upstreams.keys()].join(', ')}` : ''} (or write host:port)`);
    }
    up = implicitUpstream(target, upstreamAddress(target, 80));
    implicit.set(target, up);
  }
  return up;
}

/**
 * One-line forms, as Caddy has them, each written as a config file's text so it runs through the
 * same validation and code as any config:
 * - `file-server --listen 127.0.0.1:8080 --root DIR [--browse] [--workers N] [--access-log PATH]`
 * - `reverse-proxy --listen ADDR --to HOST:PORT [--to ...] [--static /static/=DIR] [--client-max-body-size SIZE] [--workers N]`
 * @module
 */
import { resolve } from 'node:path';
import { stringify } from 'smol-toml';

/** A usage mistake in a quick form. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Parsed {
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
}

function parse(argv: readonly string[], withValue: readonly string[], flags: readonly string[]): Parsed {
  const values = new Map<string, string[]>();
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const name = arg.replace(/^--/, '');
    if (flags.includes(name) && value === undefined) {
      set.add(name);
      continue;
    }
    if (!arg.startsWith('--') || !withValue.includes(name)) {
      throw new UsageError(`unknown option ${JSON.stringify(argv[i])}; allowed: ${[...withValue, ...flags].map((x) => `--${x}`).join(', ')}`);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values, flags: set };
}

const one = (p: Parsed, name: string, fallback?: string): string => {
  const v = p.values.get(name);
  if (v && v.length > 1) throw new UsageError(`--${name} is given more than once`);
  if (v) return v[0]!;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} is required`);
};

function common(p: Parsed): Record<string, unknown> {
  const main: Record<string, unknown> = {};
  const workers = p.values.get('workers')?.[0];
  if (workers !== undefined) main.workers = workers === 'auto' ? 'auto' : Number(workers);
  else main.master_process = false;
  // As Caddy's quick forms: no access log unless asked for (--access-log stdout|PATH).
  main.access_log = one(p, 'access-log', 'off');
  main.error_log = 'stderr';
  return main;
}

/**
 * The config text of `file-server`.
 * @example fileServerConfig(['--listen', '127.0.0.1:8080', '--root', './public'])
 */
export function fileServerConfig(argv: readonly string[]): string {
  const p = parse(argv, ['listen', 'root', 'workers', 'access-log'], ['browse', 'precompressed', 'compress']);
  const location: Record<string, unknown> = { path: '/', root: resolve(one(p, 'root')) };
  if (p.flags.has('browse')) location.autoindex = 'html';
  if (p.flags.has('precompressed')) location.precompressed = true;
  if (p.flags.has('compress')) {
    location.gzip = true;
    location.brotli = true;
  }
  const doc = { ...common(p), server: [{ listen: one(p, 'listen', '127.0.0.1:8080'), location: [location] }] };
  return stringify(doc);
}

/**
 * The config text of `reverse-proxy`.
 * @example reverseProxyConfig(['--listen', ':8080', '--to', '127.0.0.1:8000', '--static', '/static/=./static'])
 */
export function reverseProxyConfig(argv: readonly string[]): string {
  const p = parse(argv, ['listen', 'to', 'static', 'client-max-body-size', 'workers', 'access-log'], []);
  const to = p.values.get('to');
  if (!to || to.length === 0) throw new UsageError('--to HOST:PORT is required (repeat it for several app servers)');
  const locations: Array<Record<string, unknown>> = [{ path: '/', proxy_pass: 'http://app' }];
  for (const s of p.values.get('static') ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0 || !s.startsWith('/')) throw new UsageError(`--static takes /PREFIX/=DIR, got ${JSON.stringify(s)}`);
    const prefix = s.slice(0, eq);
    locations.push({ path: `^~ ${prefix.endsWith('/') ? prefix : `${prefix}/`}`, alias: resolve(s.slice(eq + 1)) });
  }
  const server: Record<string, unknown> = { listen: one(p, 'listen', '127.0.0.1:8080'), location: locations };
  // The config key's own name and syntax (1m, 100m, off), validated by the config loader.
  const maxBody = p.values.get('client-max-body-size') === undefined ? undefined : one(p, 'client-max-body-size');
  if (maxBody !== undefined) server.client_max_body_size = maxBody;
  const doc = { ...common(p), upstream: [{ name: 'app', server: to }], server: [server] };
  return stringify(doc);
}

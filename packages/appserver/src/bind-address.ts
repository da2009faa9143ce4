/**
 * The `--bind` syntax (Gunicorn's): `HOST:PORT`, `HOST` (port 8000), `[IPV6]:PORT`,
 * `unix:PATH` and `fd://N`. Parsing only; binding happens in ./listeners.ts.
 * @module
 */
import { isIP } from 'node:net';

/** A parsed `--bind` value. */
export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'fd'; readonly fd: number };

/** The port used when a bind names only a host, as Gunicorn does. */
export const DEFAULT_PORT = 8000;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/**
 * Parses one bind, or returns a string saying what is wrong.
 *
 * @example
 * ```ts
 * parseBind('[::1]:8080'); // { kind: 'tcp', host: '::1', port: 8080 }
 * parseBind('unix:/run/app.sock'); // { kind: 'unix', path: '/run/app.sock' }
 * ```
 */
export function parseBind(text: string): BindAddress | string {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path.length === 0) return 'unix: needs a path, e.g. unix:/run/app.sock';
    if (path.includes('\0')) return 'a unix socket path cannot contain NUL';
    return { kind: 'unix', path };
  }
  if (text.startsWith('fd://')) {
    const rest = text.slice(5);
    if (!/^\d{1,6}$/.test(rest) || Number(rest) < 3) return 'fd://N needs a file descriptor number of 3 or more';
    return { kind: 'fd', fd: Number(rest) };
  }
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return 'an IPv6 address must be closed with ], e.g. [::1]:8000';
    const host = text.slice(1, end);
    if (isIP(host) !== 6) return `${host} is not an IPv6 address`;
    const rest = text.slice(end + 1);
    if (rest === '') return { kind: 'tcp', host, port: DEFAULT_PORT };
    const port = rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined;
    if (port === undefined) return 'the port after ]: must be a number from 0 to 65535';
    return { kind: 'tcp', host, port };
  }
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && text.indexOf(':') !== colon) return 'an IPv6 address must be written in brackets, e.g. [::1]:8000';
  const host = colon >= 0 ? text.slice(0, colon) : text;
  const port = colon >= 0 ? parsePort(text.slice(colon + 1)) : DEFAULT_PORT;
  if (port === undefined) return 'the port must be a number from 0 to 65535';
  if (host === '') return 'a host is needed before :PORT (0.0.0.0 for every IPv4 address)';
  if (isIP(host) === 0 && !HOSTNAME.test(host)) return `${host} is neither an IP address nor a host name`;
  return { kind: 'tcp', host, port };
}

/** Formats a bind for logs, with a URL scheme when it is TCP. */
export function formatBind(bind: BindAddress, scheme: 'http' | 'https' = 'http'): string {
  switch (bind.kind) {
    case 'tcp':
      return `${scheme}://${bind.host.includes(':') ? `[${bind.host}]` : bind.host}:${bind.port}`;
    case 'unix':
      return `unix:${bind.path}`;
    case 'fd':
      return `fd://${bind.fd}`;
  }
}

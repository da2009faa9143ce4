/**
 * `listen` entries: `80`, `127.0.0.1:8080`, `[::1]:8443 ssl http2`, `unix:/run/web.sock`,
 * `*:80 default_server`.
 * @module
 */
import { ValueError } from './errors.js';
import type { BindAddress, ListenConfig } from './types.js';

const FLAGS = new Set(['ssl', 'http2', 'default_server', 'default']);

/**
 * Parses one entry.
 * @example parseListen('[::]:443 ssl http2') // { address: { kind: 'tcp', host: '::', port: 443 }, ssl: true, ... }
 */
export function parseListen(text: string): ListenConfig {
  const [addr, ...flags] = text.trim().split(/\s+/);
  for (const f of flags) {
    if (!FLAGS.has(f)) throw new ValueError(`unknown listen flag ${JSON.stringify(f)}; allowed: ssl, http2, default_server`);
  }
  const ssl = flags.includes('ssl');
  const http2 = flags.includes('http2');
  if (http2 && !ssl) throw new ValueError(`"${text}": http2 needs ssl (cleartext h2c is not served; browsers speak HTTP/2 only over TLS)`);
  const address = parseBindAddress(addr ?? '');
  return { address, key: bindKey(address), ssl, http2, defaultServer: flags.includes('default_server') || flags.includes('default') };
}

/** `8080`, `host:8080`, `[v6]:8080`, `unix:/path`; the host part may be a name (resolved at bind). */
export function parseBindAddress(addr: string): BindAddress {
  if (addr.startsWith('unix:')) {
    const path = addr.slice(5);
    if (!path.startsWith('/')) throw new ValueError(`"${addr}": a unix socket needs an absolute path, e.g. unix:/run/web.sock`);
    return { kind: 'unix', path };
  }
  let host = '';
  let portText = addr;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(addr);
  if (v6) {
    host = v6[1]!.toLowerCase();
    portText = v6[2] ?? '80';
  } else if (addr.includes(':')) {
    const cut = addr.lastIndexOf(':');
    host = addr.slice(0, cut);
    portText = addr.slice(cut + 1);
    if (host.includes(':')) throw new ValueError(`"${addr}": write IPv6 addresses in brackets, e.g. [::1]:8080`);
  } else if (!/^\d+$/.test(addr)) {
    host = addr;
    portText = '80';
  }
  if (host === '*' || host === '0.0.0.0') host = '';
  if (host !== '' && !/^[A-Za-z0-9.:_-]+$/.test(host)) throw new ValueError(`"${addr}": bad host`);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new ValueError(`"${addr}": expected a port 0-65535, an address such as 127.0.0.1:8080 or [::1]:8080, or unix:/path`);
  return { kind: 'tcp', host, port };
}

/** The identity of a socket, e.g. `0.0.0.0:80`, `[::1]:443`, `unix:/run/x.sock`. */
export function bindKey(a: BindAddress): string {
  if (a.kind === 'unix') return `unix:${a.path}`;
  const host = a.host === '' ? '0.0.0.0' : a.host.includes(':') ? `[${a.host}]` : a.host;
  return `${host}:${a.port}`;
}

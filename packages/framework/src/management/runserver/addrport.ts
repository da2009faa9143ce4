/**
 * runserver's `[ADDR:]PORT` argument, as Django parses it: `8000`, `0.0.0.0:8000`,
 * `[::1]:8000`, `localhost:8000`; default 127.0.0.1:8000.
 * @module
 */
import { isIP } from 'node:net';
import { CommandError } from '../base.js';

export interface AddrPort {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_ADDRPORT: AddrPort = { host: '127.0.0.1', port: 8000 };

/**
 * Parses `[ADDR:]PORT`; throws a usage error (exit 2) naming what is wrong.
 *
 * @example
 * ```ts
 * parseAddrPort('[::1]:9000'); // { host: '::1', port: 9000 }
 * ```
 */
export function parseAddrPort(value: string | undefined): AddrPort {
  if (value === undefined || value === '') return DEFAULT_ADDRPORT;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (!match) {
    throw new CommandError(`"${value}" is not a valid port number or address:port pair.`, 2);
  }
  const host = match[1] || match[2] || DEFAULT_ADDRPORT.host;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CommandError(`"${match[3]}" is not a valid port number (0-65535).`, 2);
  }
  if (match[1] && isIP(match[1]) !== 6) throw new CommandError(`"${match[1]}" is not a valid IPv6 address.`, 2);
  if (match[2] && isIP(match[2]) === 0 && !/^[A-Za-z0-9.-]+$/.test(match[2])) {
    throw new CommandError(`"${match[2]}" is not a valid host name or IP address.`, 2);
  }
  return { host, port };
}

/** `http://127.0.0.1:8000/` or `http://[::1]:8000/`. */
export function displayUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;
}

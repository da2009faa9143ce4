/**
 * What a trusted proxy says about the original request: the client address, the scheme and the
 * host, from `Forwarded` (RFC 7239) or, when absent, `X-Forwarded-For/-Proto/-Host`. Headers from
 * an untrusted peer are ignored (they stay visible in `request.headers`).
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { normalizeIp, type CidrSet } from './ip-address.js';

/** The original request as the proxies describe it; fields absent when nothing trusted said so. */
export interface ForwardedInfo {
  clientAddress: string;
  clientPort: number | undefined;
  scheme: 'http' | 'https' | undefined;
  host: string | undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

/** Splits a comma list, honouring quoted strings (RFC 7230 section 7). */
function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 /* " */) quoted = !quoted;
    else if (c === 92 /* \ */ && quoted) i++;
    else if (c === 44 /* , */ && !quoted) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** Splits a node (`1.2.3.4:80`, `[::1]:80`, `::1`) into address and port. */
function splitNode(node: string): { address: string; port: number | undefined } {
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    if (end === -1) return { address: node, port: undefined };
    const rest = node.slice(end + 1);
    const port = rest.startsWith(':') && /^\d{1,5}$/.test(rest.slice(1)) ? Number(rest.slice(1)) : undefined;
    return { address: node.slice(1, end), port };
  }
  const colon = node.indexOf(':');
  if (colon !== -1 && colon === node.lastIndexOf(':')) {
    const portText = node.slice(colon + 1);
    return { address: node.slice(0, colon), port: /^\d{1,5}$/.test(portText) ? Number(portText) : undefined };
  }
  return { address: node, port: undefined };
}

function parseScheme(value: string | undefined): 'http' | 'https' | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  return v === 'https' || v === 'http' ? v : undefined;
}

/**
 * Whether the request carries a header a proxy describes the original request with. Without one
 * there is nothing to resolve, and the peer's address need not even be read.
 *
 * @example
 * ```ts
 * carriesForwarding({ 'x-forwarded-proto': 'https' }); // true
 * ```
 */
export function carriesForwarding(headers: IncomingHttpHeaders): boolean {
  return headers.forwarded !== undefined || headers['x-forwarded-for'] !== undefined || headers['x-forwarded-proto'] !== undefined || headers['x-forwarded-host'] !== undefined;
}

/**
 * Resolves the original client, scheme and host when the socket peer is a trusted proxy.
 * The chain is walked from the right (the hop nearest us) past every trusted address; the first
 * untrusted address is the client, so a client cannot forge its address by sending its own
 * `X-Forwarded-For`. Returns undefined when the peer is untrusted or no proxy header exists.
 * `peerTrusted`, when given, replaces the address test: a unix-socket peer has no address (`''`)
 * and is trusted by its transport; an empty `trusted` set still trusts nobody.
 *
 * @example
 * ```ts
 * const info = resolveForwarded(req.headers, '127.0.0.1', new CidrSet(['127.0.0.1']));
 * ```
 */
export function resolveForwarded(headers: IncomingHttpHeaders, peer: string, trusted: CidrSet, peerTrusted?: boolean): ForwardedInfo | undefined {
  if (trusted.empty || !carriesForwarding(headers)) return undefined;
  if (!(peerTrusted ?? trusted.has(peer))) return undefined;
  const forwarded = headerValue(headers.forwarded);
  const xff = headerValue(headers['x-forwarded-for']);
  const xproto = headerValue(headers['x-forwarded-proto']);
  const xhost = headerValue(headers['x-forwarded-host']);

  if (forwarded !== undefined) return fromForwarded(forwarded, peer, trusted);

  const info: ForwardedInfo = { clientAddress: peer, clientPort: undefined, scheme: undefined, host: undefined };
  if (xff !== undefined) {
    const hops = splitList(xff);
    for (let i = hops.length - 1; i >= 0; i--) {
      const { address, port } = splitNode(hops[i]!);
      info.clientAddress = normalizeIp(address);
      info.clientPort = port;
      if (!trusted.has(info.clientAddress)) break;
    }
  }
  // The nearest proxy's value wins: a proxy that appends rather than replaces would otherwise
  // let the client choose the scheme or host.
  if (xproto !== undefined) info.scheme = parseScheme(splitList(xproto).at(-1));
  if (xhost !== undefined) info.host = splitList(xhost).at(-1);
  return info;
}

/** RFC 7239 section 4: `Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43, for=...`. */
function fromForwarded(value: string, peer: string, trusted: CidrSet): ForwardedInfo {
  const info: ForwardedInfo = { clientAddress: peer, clientPort: undefined, scheme: undefined, host: undefined };
  const elements = splitList(value);
  for (let i = elements.length - 1; i >= 0; i--) {
    let forNode: string | undefined;
    let proto: string | undefined;
    let host: string | undefined;
    for (const pair of elements[i]!.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      const v = unquote(pair.slice(eq + 1));
      if (key === 'for') forNode = v;
      else if (key === 'proto') proto = v;
      else if (key === 'host') host = v;
    }
    // Each element was appended by a proxy we trust (so far): its proto and host describe the
    // request that proxy received.
    if (proto !== undefined) info.scheme = parseScheme(proto) ?? info.scheme;
    if (host !== undefined) info.host = host;
    if (forNode === undefined) break;
    const { address, port } = splitNode(forNode);
    // Obfuscated identifiers (`_hidden`) and `unknown` (section 6) are not addresses: stop there.
    if (address === 'unknown' || address.startsWith('_')) {
      info.clientAddress = '';
      info.clientPort = undefined;
      break;
    }
    info.clientAddress = normalizeIp(address);
    info.clientPort = port;
    if (!trusted.has(info.clientAddress)) break;
  }
  return info;
}

/**
 * The PROXY protocol (HAProxy, https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt):
 * a load balancer writes the original client's address at the very start of the connection,
 * before any HTTP. Version 1 is one text line (at most 107 bytes); version 2 is a binary block
 * (16-byte header + length). It is parsed once per connection, size-capped, and only from
 * allowed peers; the bytes after it are handed to node:http untouched.
 * @module
 */
import type { Socket } from 'node:net';

/** The v2 signature: \r\n\r\n\0\r\nQUIT\n (section 2.2). */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');
/** Section 2.1: a v1 line is at most 107 bytes including CRLF. */
const V1_MAX = 107;
/** Largest v2 block accepted (header + addresses + TLVs); real load balancers send far less. */
export const V2_MAX = 16 + 1024;

/** What a PROXY header said. `source` is undefined for LOCAL/UNKNOWN (use the real peer). */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly source: { readonly address: string; readonly port: number; readonly family: 'IPv4' | 'IPv6' } | undefined;
  /** Bytes consumed by the header. */
  readonly length: number;
}

/** The outcome of looking at the first bytes of a connection. */
export type ParseResult =
  | { readonly kind: 'header'; readonly header: ProxyHeader }
  | { readonly kind: 'none' }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string };

function startsWithPartial(data: Buffer, prefix: Buffer): 'yes' | 'partial' | 'no' {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return 'no';
  return data.length >= prefix.length ? 'yes' : 'partial';
}

/** Formats 16 address bytes in RFC 5952 canonical form (longest run of 2+ zero groups as ::). */
function ipv6(data: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(data.readUInt16BE(at + i * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function parseV1(data: Buffer): ParseResult {
  const end = data.indexOf('\r\n');
  if (end < 0) return data.length >= V1_MAX ? { kind: 'invalid', reason: 'PROXY v1 line longer than 107 bytes' } : { kind: 'incomplete' };
  if (end + 2 > V1_MAX) return { kind: 'invalid', reason: 'PROXY v1 line longer than 107 bytes' };
  const parts = data.subarray(0, end).toString('latin1').split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { kind: 'header', header: { version: 1, source: undefined, length } };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) return { kind: 'invalid', reason: 'malformed PROXY v1 line' };
  const [, proto, src, , srcPort] = parts as [string, string, string, string, string, string];
  const port = /^\d{1,5}$/.test(srcPort) ? Number(srcPort) : -1;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(src);
  const okAddress = proto === 'TCP4' ? v4 !== null && v4.slice(1).every((o) => Number(o) <= 255) : /^[0-9a-f:.]+$/i.test(src) && src.includes(':');
  if (!okAddress || port < 0 || port > 65535) return { kind: 'invalid', reason: 'bad address or port in PROXY v1 line' };
  return { kind: 'header', header: { version: 1, source: { address: src.toLowerCase(), port, family: proto === 'TCP4' ? 'IPv4' : 'IPv6' }, length } };
}

function parseV2(data: Buffer): ParseResult {
  if (data.length < 16) return { kind: 'incomplete' };
  const verCmd = data[12]!;
  if (verCmd >> 4 !== 2) return { kind: 'invalid', reason: 'PROXY v2 with an unknown version' };
  const length = 16 + data.readUInt16BE(14);
  if (length > V2_MAX) return { kind: 'invalid', reason: `PROXY v2 block of ${length} bytes exceeds ${V2_MAX}` };
  if (data.length < length) return { kind: 'incomplete' };
  const command = verCmd & 0x0f;
  if (command === 0x0) return { kind: 'header', header: { version: 2, source: undefined, length } }; // LOCAL: health checks from the proxy itself
  if (command !== 0x1) return { kind: 'invalid', reason: 'PROXY v2 with an unknown command' };
  const family = data[13]! >> 4;
  if (family === 0x1 && length >= 16 + 12) {
    const address = `${data[16]}.${data[17]}.${data[18]}.${data[19]}`;
    return { kind: 'header', header: { version: 2, source: { address, port: data.readUInt16BE(24), family: 'IPv4' }, length } };
  }
  if (family === 0x2 && length >= 16 + 36) {
    return { kind: 'header', header: { version: 2, source: { address: ipv6(data, 16), port: data.readUInt16BE(48), family: 'IPv6' }, length } };
  }
  // AF_UNSPEC or AF_UNIX: no IP to report; keep the real peer (section 2.2).
  if (family === 0x0 || family === 0x3) return { kind: 'header', header: { version: 2, source: undefined, length } };
  return { kind: 'invalid', reason: 'PROXY v2 address block too short for its family' };
}

/**
 * Looks at the bytes received so far on a new connection.
 *
 * @example
 * ```ts
 * parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51000 80\r\nGET / ...'));
 * // { kind: 'header', header: { version: 1, source: { address: '203.0.113.7', port: 51000, family: 'IPv4' }, length: 43 } }
 * ```
 */
export function parseProxyHeader(data: Buffer): ParseResult {
  const v2 = startsWithPartial(data, V2_SIGNATURE);
  if (v2 === 'yes') return parseV2(data);
  const v1 = startsWithPartial(data, V1_PREFIX);
  if (v1 === 'yes') return parseV1(data);
  if (v1 === 'partial' || v2 === 'partial') return { kind: 'incomplete' };
  return { kind: 'none' };
}

/**
 * Reads a PROXY header off `socket` (if one is there), then puts back the bytes after it and
 * calls `done`. When a header names a source, the socket's `remoteAddress`/`remotePort`/
 * `remoteFamily` report it from then on, so every layer above sees the original client.
 * Invalid or over-long headers, and silence past `timeoutMs`, destroy the connection.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number, done: (header: ProxyHeader | undefined) => void, onInvalid: (reason: string) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => finish('invalid', 'no PROXY header within the header timeout'), timeoutMs);
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const result = parseProxyHeader(buffered);
    if (result.kind === 'incomplete') return;
    if (result.kind === 'invalid') return finish('invalid', result.reason);
    if (result.kind === 'none') return finish('ok', undefined, buffered);
    return finish('ok', result.header, buffered.subarray(result.header.length));
  };
  const onEnd = () => finish('invalid', 'connection closed before the PROXY header was complete');
  function finish(outcome: 'ok' | 'invalid', headerOrReason: ProxyHeader | string | undefined, rest?: Buffer): void {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onEnd);
    if (outcome === 'invalid') {
      onInvalid(headerOrReason as string);
      socket.destroy();
      return;
    }
    socket.pause();
    const header = headerOrReason as ProxyHeader | undefined;
    if (header?.source !== undefined) {
      const { address, port, family } = header.source;
      Object.defineProperties(socket, {
        remoteAddress: { value: address, configurable: true },
        remotePort: { value: port, configurable: true },
        remoteFamily: { value: family, configurable: true },
      });
    }
    if (rest !== undefined && rest.length > 0) socket.unshift(rest);
    done(header);
  }
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('error', onEnd);
  socket.resume();
}

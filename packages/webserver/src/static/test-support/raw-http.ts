/**
 * Test support: one HTTP/1.1 exchange over a raw TCP socket, so request targets that fetch and
 * undici would normalise (`/..`, `%2e%2e`, backslashes, absolute-form) reach the server as typed.
 * @module
 */
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Sends `METHOD target HTTP/1.1` with `Connection: close` and reads the whole answer.
 *
 * @example
 * ```ts
 * const r = await rawRequest(port, 'GET', '/%2e%2e/etc/passwd');
 * r.status; // 400
 * ```
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${method} ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`malformed answer to ${method} ${target}: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`));
        return;
      }
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number((lines[0] ?? '').split(' ')[1]);
      const h: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        h[k] = h[k] === undefined ? v : `${h[k]}, ${v}`;
      }
      let body: Buffer = all.subarray(split + 4);
      if (h['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers: h, body });
    });
    let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    // No half-close: node:http ends a half-closed socket before an async handler answers.
    socket.write(head + '\r\n');
  });
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (let guard = 0; guard < 1_000_000 && i < body.length; guard++) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = parseInt(body.subarray(i, eol).toString('latin1'), 16);
    if (!(n > 0)) break;
    out.push(body.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

/**
 * Test helpers: raw TCP exchanges (for what fetch clients hide: pipelining, malformed requests,
 * framing, 100-continue) and a recording logger. Not part of the package API.
 * @module
 */
import { connect, type Socket } from 'node:net';
import type { TsgiLogger } from './types.js';

/** A logger that records lines so tests can assert what was logged (and keep stderr quiet). */
export function recordingLogger(): TsgiLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec =
    (level: string) =>
    (message: string, ...details: unknown[]) => {
      lines.push(`${level}: ${message} ${details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : String(d))).join(' ')}`);
    };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

/** The port of a server URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Opens a socket to 127.0.0.1:port. */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection (bounded by `timeoutMs`). */
export function readUntilClose(socket: Socket, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout: the server did not close the connection; got so far: ${JSON.stringify(data)}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => {}); // a reset after the data is still an end
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

/** Sends `bytes` on a fresh connection and returns all the server sent until it closed. */
export async function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const socket = await open(port);
  const done = readUntilClose(socket, timeoutMs);
  socket.write(bytes);
  return done;
}

/** Splits a raw HTTP/1.1 response stream into status lines (for pipelining order checks). */
export function statusLines(raw: string): string[] {
  return raw.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? [];
}

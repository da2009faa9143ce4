/**
 * Loopback sockets for tests: a port that was free a moment ago, whether one accepts connections
 * now, raw exchanges read until the server closes, and waiting for data on an open connection.
 * @module
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback port that was free a moment ago, for configs that must name their port before they
 * start (a server can still take it in between; prefer port 0 where the code under test allows).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * await writeFile(conf, `listen = "127.0.0.1:${port}"`);
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` different loopback ports that were free a moment ago: all are held open until each has
 * one, so unlike `freePort()` called twice (the first is closed before the second is asked
 * for, and the kernel may hand it out again) no two are the same.
 *
 * @example
 * ```ts
 * const [web, app] = await freePorts(2);
 * ```
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * Whether a TCP connection to `host:port` is accepted now (the connection is closed at once).
 *
 * @example
 * ```ts
 * await waitFor(() => canConnect(port), { what: 'nginx to listen' });
 * ```
 */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once `socket` has received data (since this call) matching `pattern`, and returns that
 * data; rejects after `timeoutMs`. For connections the server keeps open: read until what matters
 * came, not for a fixed time.
 *
 * @example
 * ```ts
 * socket.write('GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
 * const head = await waitForData(socket, /\r\n\r\n/);
 * ```
 */
export function waitForData(socket: Socket, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => {
      socket.off('data', onData);
      reject(new Error(`timeout waiting for ${pattern}; got ${JSON.stringify(data)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      data += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      if (pattern.test(data)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
  });
}

/**
 * Opens a TCP connection to 127.0.0.1:`port` (rejects when it is refused), for exchanges that
 * fetch clients hide: pipelining, malformed requests, framing, 100-continue.
 *
 * @example
 * ```ts
 * const socket = await open(port);
 * const all = readUntilClose(socket);
 * socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
 * ```
 */
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

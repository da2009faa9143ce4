/**
 * Loopback ports for tests: one that was free a moment ago, and whether one accepts connections now.
 * @module
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

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

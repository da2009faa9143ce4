/**
 * One raw exchange: open a connection, write the bytes exactly as given, read until the server
 * closes or stays silent, and parse every response that came back. Bounded: a silence window and
 * an overall deadline.
 * @module
 */
import { connect } from 'node:net';
import { parseResponse } from 'tsgi/conformance';

/** What came back on one connection. */
export interface RawOutcome {
  /** The status of every response, in order (1xx included, if any). */
  readonly statuses: readonly number[];
  /** True when the server closed the connection; false when reading stopped at the silence window or the deadline. */
  readonly closed: boolean;
  /** Everything received (latin1), for failure messages. */
  readonly received: string;
  /** Set when the bytes after the last parsed response are no HTTP response. */
  readonly parseError?: string;
}

/** Limits of one exchange. */
export interface RawOptions {
  /** Stop reading after this long without a byte (default 2000 ms). */
  readonly silenceMs?: number;
  /** Stop reading after this long in all (default 15000 ms). */
  readonly maxMs?: number;
}

/**
 * Sends `raw` (latin1) to 127.0.0.1:`port` on a fresh connection and collects the responses.
 *
 * @example
 * ```ts
 * const { statuses } = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 * ```
 */
export function rawExchange(port: number, raw: string, options: RawOptions = {}): Promise<RawOutcome> {
  const silenceMs = options.silenceMs ?? 2_000;
  const maxMs = options.maxMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let connected = false;
    let closed = false;
    let silence: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => finish(), maxMs);
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(silence);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks), closed));
    };
    const quiet = () => {
      clearTimeout(silence);
      silence = setTimeout(finish, silenceMs);
    };
    socket.on('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      // The server may refuse and close before it read everything: a failed write is no failure.
      socket.write(Buffer.from(raw, 'latin1'), () => quiet());
      quiet();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      quiet();
    });
    socket.on('error', (error) => {
      if (!connected) {
        clearTimeout(deadline);
        reject(new Error(`cannot connect to 127.0.0.1:${port}: ${error.message}`));
      }
    });
    socket.on('close', () => {
      closed = true;
      if (connected) finish();
    });
  });
}

function parse(buf: Buffer, closed: boolean): RawOutcome {
  const statuses: number[] = [];
  const received = buf.toString('latin1');
  let rest = buf;
  while (rest.length > 0) {
    try {
      // Reading has stopped: parse as if the connection ended (a body cut short still counts as a response).
      const parsed = parseResponse(rest, true, false);
      if (parsed === undefined) break;
      statuses.push(parsed.response.status);
      rest = rest.subarray(parsed.consumed);
    } catch (error) {
      return { statuses, closed, received, parseError: (error as Error).message };
    }
  }
  return { statuses, closed, received };
}

/**
 * A TsgiContext for driving an app without a server (the app suite, unit tests). It keeps
 * every SPEC rule a server must keep: fields typed, `completed` settled by `finish()`, and
 * `waitUntil` promises collected so the caller can await them.
 * @module
 */
import type { TsgiCompletion, TsgiContext, TsgiLogger, TsgiServerInfo, TsgiState } from '../types.js';
import { TSGI_VERSION } from '../types.js';

/** A context plus the handles a test needs. */
export interface TestContext {
  readonly context: TsgiContext;
  /** Settles `context.completed`. */
  finish(completion: TsgiCompletion): void;
  /** Settles every promise handed to `waitUntil` (rejections are collected, never thrown). */
  drain(): Promise<unknown[]>;
  /** Messages written to `context.log`, as `level: message`. */
  readonly logged: string[];
}

const SERVER: TsgiServerInfo = Object.freeze({
  software: 'tsgi-test-context/1.0',
  tsgiVersion: TSGI_VERSION,
  extensions: Object.freeze({}),
  limits: Object.freeze({ maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190, maxBodyBytes: 0, headersTimeoutMs: 0, bodyTimeoutMs: 0, keepAliveTimeoutMs: 0 }),
});

/**
 * Builds a context for `request`, as a server on 127.0.0.1:8000 would.
 *
 * @example
 * ```ts
 * const request = new Request('http://127.0.0.1:8000/');
 * const { context, finish } = createTestContext(request);
 * const response = await app.fetch(request, context);
 * finish({ aborted: false, bytesWritten: 0, status: response.status });
 * ```
 */
export function createTestContext(request: Request, options: { state?: TsgiState; server?: TsgiServerInfo; mountPath?: string } = {}): TestContext {
  // A malformed request.url is the caller's test of validate(); the context still needs a URL.
  const url = URL.canParse(request.url) ? new URL(request.url) : new URL('http://127.0.0.1:8000/');
  const logged: string[] = [];
  const log: TsgiLogger = {
    debug: (message) => void logged.push(`debug: ${message}`),
    info: (message) => void logged.push(`info: ${message}`),
    warn: (message) => void logged.push(`warn: ${message}`),
    error: (message) => void logged.push(`error: ${message}`),
  };
  let finish!: (completion: TsgiCompletion) => void;
  const completed = new Promise<TsgiCompletion>((resolve) => (finish = resolve));
  const pending: Array<Promise<unknown>> = [];
  const rawHeaders = [...request.headers].flat();
  if (!request.headers.has('host')) rawHeaders.unshift('Host', url.host);
  const context: TsgiContext = {
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    client: { address: '127.0.0.1', port: 50000 },
    localAddress: '127.0.0.1',
    localPort: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    serverName: url.hostname,
    encrypted: url.protocol === 'https:',
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    protocol: 'HTTP/1.1',
    rawHeaders,
    mountPath: options.mountPath ?? '',
    state: { ...(options.state ?? {}) },
    worker: { id: 1, pid: process.pid },
    server: options.server ?? SERVER,
    log,
    completed,
    waitUntil(promise) {
      pending.push(Promise.resolve(promise).then(undefined, (error: unknown) => {
        log.error(`waitUntil promise rejected: ${String(error)}`);
        return error;
      }));
    },
  };
  return { context, finish, drain: () => Promise.all(pending), logged };
}

/** The server declaration test contexts share (the same object each time, SPEC 4.3.1). */
export const TEST_SERVER_INFO = SERVER;

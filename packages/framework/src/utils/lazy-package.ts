/**
 * A CommonJS package loaded the first time it is used instead of when its importer is imported:
 * every process serving a framework app imports the framework's index, and most never open a
 * WebSocket from a test, parse a multipart form or negotiate content. Measured 2026-12-07 (Node
 * 20, RSS over node:http, node:stream and tsgi already loaded, after a full GC, two runs):
 * `@fastify/busboy` +0.9-1.3 MB, `negotiator` +0.7; an idle tsgi-appserver -w 1 worker serving
 * bench/apps/framework-app.mjs (20 requests, 10 s idle, three runs each, alternated) 58.2-58.5
 * MB with both imported, 57.8-58.0 with both lazy; `ws` more (see test/serve-app.ts). Loaded
 * with require, so the first use stays synchronous.
 * @module
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * Returns a function that loads `name` (resolved from this package) on its first call and hands
 * back the same module after.
 *
 * @example
 * ```ts
 * import type * as WsPackage from 'ws';
 * const ws = lazyPackage<typeof WsPackage>('ws');
 * const socket = new (ws().WebSocket)('ws://127.0.0.1:8000/');
 * ```
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(name) as T);
}

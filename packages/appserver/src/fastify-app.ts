/**
 * A Fastify instance served as it is exported (`export const application = fastify`): told by
 * its shape, started with `ready()` once per worker, fed each request through `routing(req, res)`,
 * and closed with `close()` when the worker stops.
 *
 * `routing` is the request handler Fastify itself attaches to the server it creates, and the one
 * it hands to a `serverFactory`; Fastify's reference documents it as `fastify.routing(req, res)`.
 * It is called directly rather than through `fastify.server.emit('request', ...)`: with a
 * `serverFactory`, `fastify.server` is the user's server, whose 'request' listener may be anything.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/** The members of a Fastify instance that tsgi-appserver uses or tells it by. */
export interface FastifyInstanceLike {
  routing(req: IncomingMessage, res: ServerResponse): void;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
  readonly server: object;
}

const FASTIFY_METHODS = ['routing', 'ready', 'close', 'inject', 'listen', 'register'] as const;

/**
 * Whether `value` is a Fastify instance (root or encapsulated): an object with Fastify's
 * `routing`, `ready`, `close`, `inject`, `listen` and `register` methods and a `server` object.
 * Reads properties only; calls nothing.
 *
 * @example
 * ```ts
 * isFastifyInstance(Fastify()); // true
 * ```
 */
export function isFastifyInstance(value: unknown): value is FastifyInstanceLike {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (!FASTIFY_METHODS.every((name) => typeof record[name] === 'function')) return false;
  return record.server !== null && typeof record.server === 'object';
}

/**
 * Whether `value` is `fastify.routing` itself: Fastify names that function `preRouting` and it
 * takes (req, res). Exported alone it cannot be served safely: nothing awaits the instance's
 * `ready()`, so plugins and their routes are not in place.
 */
export function isFastifyRouting(value: unknown): boolean {
  return typeof value === 'function' && value.name === 'preRouting' && value.length === 2;
}

/** Whether `value` is a listening-capable server (node:net, node:http, node:https, node:http2). */
export function isNodeServer(value: unknown): boolean {
  return value instanceof NetServer;
}

/** What {@link loadApp} hands the worker for a Fastify instance. */
export interface FastifyApp {
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Awaits `ready()`: plugins loaded, routes registered. Called once, before the worker listens. */
  start(): Promise<void>;
  /** Awaits `close()`: Fastify's onClose hooks run (the worker's connections are drained first). */
  stop(): Promise<void>;
}

/**
 * Wraps a Fastify instance for the worker.
 *
 * @example
 * ```ts
 * const app = fastifyApp(fastify);
 * await app.start();
 * http.createServer(app.listener).listen(8000);
 * ```
 */
export function fastifyApp(instance: FastifyInstanceLike): FastifyApp {
  return {
    listener: (req, res) => instance.routing(req, res),
    async start() {
      await instance.ready();
    },
    async stop() {
      await instance.close();
    },
  };
}

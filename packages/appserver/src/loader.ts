/**
 * The loader: `path/to/file.ts:attribute` -> the app object, and which interface it speaks.
 * TypeScript loads through tsx (registered once per worker), so users need no build step.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveApp, tsgiAppVersion, type TsgiApp } from 'tsgi';
import { AppserverError, errorText } from './errors.js';
import { fastifyApp, isFastifyInstance, isFastifyRouting, isNodeServer, type FastifyInstanceLike } from './fastify-app.js';
import { moduleExports, moduleFormatFix } from './module-format.js';

/** A Node request listener, as `http.createServer` takes. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** What `--interface` accepts. */
export type InterfaceChoice = 'auto' | 'tsgi' | 'node';

/**
 * What a Node app needs around its requests, when it has a lifecycle of its own (a Fastify
 * instance: `ready()` before the first request, `close()` after the last).
 */
export interface NodeAppLifecycle {
  /** Called once by each worker before it listens. */
  start(): Promise<void>;
  /** Called once by each worker after its connections drained. */
  stop(): Promise<void>;
}

/** An app ready to serve. */
export type LoadedApp =
  | { readonly interface: 'tsgi'; readonly app: TsgiApp; readonly reason: string; readonly file: string; readonly attribute: string }
  | { readonly interface: 'node'; readonly app: NodeListener; readonly lifecycle: NodeAppLifecycle | undefined; readonly reason: string; readonly file: string; readonly attribute: string };

/** `file[:attribute]` split; `attribute` may end in `()` to call a factory. */
export interface AppSpec {
  readonly file: string;
  readonly attribute: string | undefined;
}

const ATTRIBUTE = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*(\(\))?$/;
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const TRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

/**
 * Splits an APP argument at its last colon when what follows is an attribute name.
 *
 * @example
 * ```ts
 * parseAppSpec('src/app.ts:application'); // { file: 'src/app.ts', attribute: 'application' }
 * parseAppSpec('src/app.ts'); // { file: 'src/app.ts', attribute: undefined }
 * ```
 */
export function parseAppSpec(spec: string): AppSpec {
  const colon = spec.lastIndexOf(':');
  if (colon > 0) {
    const attribute = spec.slice(colon + 1);
    if (ATTRIBUTE.test(attribute)) return { file: spec.slice(0, colon), attribute };
  }
  return { file: spec, attribute: undefined };
}

/** Finds the file: as given, else with a known extension added, else `index.*` inside a directory. */
export function resolveAppFile(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  if (existsSync(path) && statSync(path).isFile()) return path;
  const candidates = [
    ...TRY_EXTENSIONS.map((ext) => path + ext),
    ...TRY_EXTENSIONS.map((ext) => resolve(path, `index${ext}`)),
  ];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (found !== undefined) return found;
  throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `cannot find the app file ${file} (looked in ${cwd}; also tried ${TRY_EXTENSIONS.join(', ')} and index.*)`);
}

let tsxRegistered = false;

/**
 * Registers tsx once, unless the process already runs under tsx, with both of its hooks, as
 * `tsx app.ts` has them: the ESM hook alone cannot load a `.ts` file that tsx compiles to CommonJS
 * (one in a package without `"type": "module"`): Node then fails with ERR_REQUIRE_CYCLE_MODULE.
 */
async function ensureTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  tsxRegistered = true;
  const underTsx = process.execArgv.some((a, i, all) => /(^|[/\\])tsx([/\\]|$)/.test(a) || (all[i - 1] === '--import' && a === 'tsx'));
  if (underTsx) return;
  (await import('tsx/cjs/api')).register();
  (await import('tsx/esm/api')).register();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `a function of ${value.length} parameter(s)`;
  if (typeof value !== 'object') return `${typeof value} ${JSON.stringify(value)}`;
  const name = (value as object).constructor?.name ?? 'Object';
  return `an object (${name}) with keys [${Object.keys(value).slice(0, 8).join(', ')}]`;
}

/** How `--interface auto` tells the interfaces apart, in this order. */
const AUTO_RULES = 'a value carrying the TSGI app marker (defineApp()) is TSGI; an object with routing(), ready(), close(), inject(), listen(), register() and a server is a Fastify instance; an object with fetch() is TSGI; an object with callback() and use() is a Koa app; a function with handle() and use() (Express, connect) or of 3+ parameters is a Node listener; a function of 0-2 parameters is a TSGI fetch(request, context) (--interface node for a bare (req, res) listener)';

/**
 * How a value is served, decided by its shape alone: the interface, whether it is a framework
 * instance served through its own entry point, and why (printed at startup).
 */
export interface Detection {
  readonly interface: 'tsgi' | 'node';
  /**
   * A framework object whose Node listener {@link loadApp} derives: `'koa'`, its `callback()`
   * (called once); `'fastify'`, its `routing(req, res)` after `ready()` (fastify-app.ts).
   * `null` when the value is served as it is.
   */
  readonly host: 'koa' | 'fastify' | null;
  readonly reason: string;
}

const FASTIFY_REASON = 'it is a Fastify instance (routing(), ready(), inject(), listen(), server): each worker awaits its ready() once, then hands each request to its routing(req, res)';
const FASTIFY_ROUTING = 'found fastify.routing alone: export the Fastify instance itself (export const application = fastify), so that each worker can await its ready() (plugins and their routes in place) before serving. Under --interface node a routing function is served as it is, which is right only if the module awaited fastify.ready() before exporting it';
const NODE_SERVER = 'found a server object (such as fastify.server, or what http.createServer() returns): tsgi-appserver listens itself, so export the app instead: a Fastify instance itself (export const application = fastify), an Express/Koa app, or the (req, res) listener the server was created with';

/** A method, own or inherited, read without calling anything but property getters. */
function hasMethod(value: object, name: string): boolean {
  return typeof (value as Record<string, unknown>)[name] === 'function';
}

/**
 * Decides how to call `value`, from its shape only (its methods, own or inherited, and a
 * function's declared parameter count): never from its source text, and without calling it.
 * A function of 2 or fewer parameters is TSGI's bare `fetch(request, context)`: a bare `(req, res)`
 * listener looks the same and needs `--interface node`, as the start-up reason says. Anything it
 * cannot place is an error that says which option to pass.
 *
 * @example
 * ```ts
 * detectInterface({ fetch: () => new Response('hi') }, 'auto').interface; // 'tsgi'
 * detectInterface((req, res, next) => next(), 'auto').interface; // 'node'
 * ```
 */
export function detectInterface(value: unknown, choice: InterfaceChoice): Detection {
  const tsgi = (reason: string): Detection => ({ interface: 'tsgi', host: null, reason });
  const node = (reason: string, host: Detection['host'] = null): Detection => ({ interface: 'node', host, reason });
  const isObject = value !== null && typeof value === 'object';
  const isKoa = isObject && hasMethod(value, 'callback') && hasMethod(value, 'use');
  // Before fetch: a Fastify plugin may decorate the instance with a fetch() (an HTTP client).
  const isFastify = isFastifyInstance(value);

  if (choice === 'tsgi') return tsgi('--interface tsgi');
  // SPEC 2.4: an app that says it is TSGI is believed before any guess from its shape.
  const marked = choice === 'auto' ? tsgiAppVersion(value) : undefined;
  if (marked !== undefined) return tsgi(`it carries the TSGI app marker (Symbol.for('tsgi.app') = ${JSON.stringify(marked) ?? String(marked)}, set by defineApp())`);
  if (isNodeServer(value)) throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', NODE_SERVER);
  if (choice === 'node') {
    if (isFastify) return node(`--interface node (${FASTIFY_REASON.replace(/^it is /, '')})`, 'fastify');
    if (isKoa) return node('--interface node (a Koa app: serving its callback())', 'koa');
    if (typeof value !== 'function') {
      throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `--interface node expects a (req, res) listener function, a Koa app (an object with callback() and use()) or a Fastify instance; found ${describe(value)}`);
    }
    return node('--interface node');
  }

  if (isFastify) return node(FASTIFY_REASON, 'fastify');
  if (isObject && hasMethod(value, 'fetch')) return tsgi('it is an object with a fetch() method (TSGI app object, Hono, srvx style)');
  if (isKoa) return node('it is an object with callback() and use() (a Koa app): serving its callback() as a Node listener', 'koa');
  if (isFastifyRouting(value)) throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', FASTIFY_ROUTING);
  if (typeof value === 'function') {
    const fn = value as ((...args: never[]) => unknown) & { handle?: unknown; use?: unknown };
    // A class cannot be called: its prototype is read-only, a function's is not (arrows have none).
    if (Object.getOwnPropertyDescriptor(fn, 'prototype')?.writable === false) {
      throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `found a class (${fn.name || 'anonymous'}); export an instance of it (an object with fetch, or a listener) instead`);
    }
    if (hasMethod(fn, 'handle') && hasMethod(fn, 'use')) return node('it is a function with handle() and use() (an Express or connect app)');
    if (fn.length >= 3) return node(`it is a function of ${fn.length} parameters (req, res, next)`);
    // TSGI's own shape (SPEC: a bare fetch(request, context) function) wins the tie with a bare
    // (req, res) listener, which Express, connect and Koa apps are not (they are told by their
    // methods); the reason, printed at start, names the option that says otherwise.
    return tsgi(`it is a function of ${fn.length} parameter(s), taken as a TSGI fetch(request, context); pass --interface node for a (req, res) listener`);
  }
  throw new AppserverError(
    'TSGI_APPSERVER_E_APP_LOAD',
    `expected a TSGI app (a fetch(request, context) function or an object with fetch) or a Node listener ((req, res) function, Express/connect app, Koa app); found ${describe(value)} (${AUTO_RULES})`,
  );
}

/**
 * The app as the worker calls it: a TSGI app checked by `resolveApp`, a Node listener as it
 * is, a Koa app's `callback()` (called here, once, after detection), or a Fastify instance's
 * routing with its ready()/close() lifecycle (nothing called here: each worker starts it).
 */
function servable(value: unknown, detection: Detection): { app: TsgiApp | NodeListener; lifecycle: NodeAppLifecycle | undefined } {
  if (detection.interface === 'tsgi') return { app: resolveApp(value as TsgiApp) as unknown as TsgiApp, lifecycle: undefined };
  if (detection.host === 'koa') return { app: (value as { callback(): NodeListener }).callback(), lifecycle: undefined };
  if (detection.host === 'fastify') {
    const { listener, start, stop } = fastifyApp(value as FastifyInstanceLike);
    return { app: listener, lifecycle: { start, stop } };
  }
  return { app: value as NodeListener, lifecycle: undefined };
}

function pick(mod: Record<string, unknown>, attribute: string, file: string): unknown {
  let value: unknown = mod;
  for (const part of attribute.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || !(part in (value as object))) {
      const exports = Object.keys(mod).join(', ') || 'none';
      throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `${file} has no export "${attribute}" (its exports: ${exports})`);
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Imports the app named by `spec` (relative to `cwd`) and detects its interface.
 * Attribute lookup: the one given (`name()` calls a factory, which may be async), else
 * `application`, else the default export.
 *
 * @example
 * ```ts
 * const loaded = await loadApp('examples/hello/app.ts:application', process.cwd(), 'auto');
 * ```
 */
export async function loadApp(spec: string, cwd: string, choice: InterfaceChoice): Promise<LoadedApp> {
  const { file, attribute } = parseAppSpec(spec);
  const path = resolveAppFile(file, cwd);
  // JavaScript is imported by Node as it is: registering tsx costs each worker about 0.5 s at start
  // (measured: 490-610 ms on a 2-core box importing Express and Hono), and a built app should run
  // as `node` runs it (module-format.ts says what to change when its format is refused).
  if (TS_EXTENSIONS.has(extname(path))) await ensureTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = moduleExports((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (err) {
    const fix = moduleFormatFix(path, err);
    const detail = errorText(err);
    throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', fix === undefined ? `cannot import ${file}: ${detail}` : `cannot import ${file}: ${fix}\n${detail}`, { cause: err });
  }
  let name: string;
  let value: unknown;
  if (attribute !== undefined) {
    const call = attribute.endsWith('()');
    name = call ? attribute.slice(0, -2) : attribute;
    value = pick(mod, name, file);
    if (call) {
      if (typeof value !== 'function') throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `${file}: "${name}" is not a function, so ${attribute} cannot call it`);
      try {
        value = await (value as () => unknown)();
      } catch (err) {
        throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `${file}: ${attribute} threw: ${errorText(err)}`, { cause: err });
      }
    }
    name = attribute;
  } else if (mod.application !== undefined) {
    name = 'application';
    value = mod.application;
  } else if (mod.default !== undefined) {
    name = 'default';
    value = mod.default;
    // A CommonJS module.exports = { application } arrives as default.application.
    const inner = value as { application?: unknown } | null;
    if (inner !== null && typeof inner === 'object' && inner.application !== undefined && typeof (inner as { fetch?: unknown }).fetch !== 'function') {
      name = 'default.application';
      value = inner.application;
    }
  } else {
    const exports = Object.keys(mod).join(', ') || 'none';
    throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `${file} exports neither "application" nor a default export (its exports: ${exports}); name one with ${file}:NAME`);
  }
  let detection: Detection;
  let served: ReturnType<typeof servable>;
  try {
    detection = detectInterface(value, choice);
    served = servable(value, detection);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new AppserverError('TSGI_APPSERVER_E_APP_LOAD', `${file}:${name}: ${message}`, { cause: err });
  }
  return { interface: detection.interface, app: served.app, lifecycle: served.lifecycle, reason: detection.reason, file: path, attribute: name } as LoadedApp;
}

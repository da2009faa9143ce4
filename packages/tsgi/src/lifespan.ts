/**
 * Lifespan: turning whatever the user exported into an app, and running its startup and
 * shutdown hooks with ASGI's lifespan semantics. Every server reuses these.
 * @module
 */
import type { TsgiApp, TsgiAppObject, TsgiFetch, TsgiStartupContext, TsgiState } from './types.js';
import { markerProblem } from './define-app.js';

/**
 * An app reduced to its parts: `fetch` bound to the app object, and the optional hooks.
 *
 * @example
 * ```ts
 * const resolved: ResolvedApp = resolveApp(await import('./app.js').then((m) => m.default));
 * ```
 */
export interface ResolvedApp extends TsgiAppObject {
  readonly fetch: TsgiFetch;
}

const RESOLVED = Symbol('tsgi.resolvedApp');

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
  const keys = Object.keys(value).slice(0, 8);
  const name = (value as object).constructor?.name ?? 'Object';
  return `an object (${name}) with keys [${keys.join(', ')}] and no fetch method`;
}

/**
 * Accepts a bare fetch function or an object with `fetch` (plus optional `startup`/`shutdown`)
 * and returns its parts, with `fetch` bound to the object (so class-based apps keep `this`).
 * An app marked for another major TSGI version, or a Fetch Server API handler, is a TypeError
 * (SPEC 2.4). Anything else is a TypeError that says what was found and what was expected.
 *
 * @example
 * ```ts
 * import { resolveApp } from 'tsgi';
 * const { fetch, startup } = resolveApp({ fetch: () => new Response('hi') });
 * ```
 */
export function resolveApp(app: unknown): ResolvedApp {
  if (app !== null && typeof app === 'object' && RESOLVED in app) return app as unknown as ResolvedApp;
  // SPEC 2.4: the marker decides before the shape does.
  const problem = markerProblem(app);
  if (problem !== undefined) throw new TypeError(`tsgi: ${problem}`);
  if (typeof app === 'function') {
    return { fetch: app as TsgiFetch, [RESOLVED]: true } as ResolvedApp;
  }
  if (app !== null && typeof app === 'object' && typeof (app as { fetch?: unknown }).fetch === 'function') {
    const obj = app as {
      fetch: TsgiFetch;
      startup?: unknown;
      shutdown?: unknown;
    };
    for (const hook of ['startup', 'shutdown'] as const) {
      if (obj[hook] !== undefined && typeof obj[hook] !== 'function') {
        throw new TypeError(`tsgi: the app's "${hook}" must be a function when present, found ${describe(obj[hook])}`);
      }
    }
    const resolved: Record<string | symbol, unknown> = { fetch: obj.fetch.bind(obj), [RESOLVED]: true };
    if (typeof obj.startup === 'function') resolved.startup = (obj.startup as NonNullable<TsgiAppObject['startup']>).bind(obj);
    if (typeof obj.shutdown === 'function') resolved.shutdown = (obj.shutdown as NonNullable<TsgiAppObject['shutdown']>).bind(obj);
    return resolved as unknown as ResolvedApp;
  }
  throw new TypeError(
    `tsgi: expected a TSGI app (a function (request, context) => Response, or an object with a fetch(request, context) method), found ${describe(app)}`,
  );
}

/**
 * Runs the app's `startup` hook (if any) and returns the state every request will receive a
 * shallow copy of: `context.state` as the hook left it, plus the properties of an object the
 * hook returned. A throw or rejection propagates: the server must not accept connections.
 *
 * @example
 * ```ts
 * const state = await runStartup(app, { server, worker, log, state: {} });
 * ```
 */
export async function runStartup(app: TsgiApp, context: TsgiStartupContext): Promise<TsgiState> {
  const { startup } = resolveApp(app);
  if (startup === undefined) return context.state;
  const returned: unknown = await startup(context);
  if (returned !== undefined && returned !== null) {
    if (typeof returned !== 'object') {
      throw new TypeError(`tsgi: startup() must return nothing or an object of state, returned ${describe(returned)}`);
    }
    Object.assign(context.state, returned);
  }
  return context.state;
}

/**
 * Runs the app's `shutdown` hook (if any), after the server has drained its connections.
 *
 * @example
 * ```ts
 * await runShutdown(app, { server, worker, log, state });
 * ```
 */
export async function runShutdown(app: TsgiApp, context: TsgiStartupContext): Promise<void> {
  const { shutdown } = resolveApp(app);
  if (shutdown !== undefined) await shutdown(context);
}

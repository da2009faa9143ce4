/**
 * The app-side version marker (SPEC 2.4): how a runtime tells a TSGI app from a plain `{ fetch }`
 * (Hono, srvx, a Fetch Server API handler) before guessing from its shape.
 * @module
 */
import { TSGI_VERSION, type TsgiApp } from './types.js';

/**
 * The key of the marker: a registered symbol, so two copies of this package agree. Its value is
 * the `major.minor` SPEC version the app was written for.
 */
export const TSGI_APP: unique symbol = Symbol.for('tsgi.app');

/**
 * The Fetch Server API draft's marker (`fetch(ctx)` handlers). An object carrying it and not
 * {@link TSGI_APP} speaks the draft's calling convention, not TSGI's.
 */
export const FETCH_SERVER_PROTOCOL: unique symbol = Symbol.for('wintertc.server.protocol');

/**
 * Marks `app` as a TSGI application written for this SPEC version and returns it (the same
 * object or function, so `this` and identity are kept). The marker is non-enumerable: it does
 * not show in `Object.keys()` or JSON.
 *
 * @example
 * ```ts
 * import { defineApp } from 'tsgi';
 * export const application = defineApp({
 *   fetch: (request, context) => new Response(`hello ${context.client.address}`),
 * });
 * ```
 */
export function defineApp<T extends TsgiApp>(app: T): T {
  Object.defineProperty(app, TSGI_APP, { value: TSGI_VERSION, enumerable: false, configurable: true, writable: false });
  return app;
}

/**
 * The SPEC version `value` is marked with, `undefined` when it carries no marker. Never calls
 * anything but a property getter.
 *
 * @example
 * ```ts
 * tsgiAppVersion(defineApp(() => new Response('hi'))); // '1.1'
 * tsgiAppVersion({ fetch: () => new Response('hi') }); // undefined
 * ```
 */
export function tsgiAppVersion(value: unknown): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  return (value as { [TSGI_APP]?: unknown })[TSGI_APP];
}

/**
 * Why a marked value cannot be served by a server implementing {@link TSGI_VERSION}, or
 * `undefined` when its marker is absent or compatible (SPEC 2.4.2: same major version).
 */
export function markerProblem(value: unknown): string | undefined {
  const version = tsgiAppVersion(value);
  if (version === undefined) {
    if (value !== null && typeof value === 'object' && FETCH_SERVER_PROTOCOL in value) {
      return 'found a Fetch Server API handler (it carries Symbol.for(\'wintertc.server.protocol\'): its fetch takes one ServerContext), not a TSGI app (fetch(request, context)); wrap it, or mark a TSGI app with defineApp()';
    }
    return undefined;
  }
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return `the app's TSGI marker (Symbol.for('tsgi.app')) is ${JSON.stringify(version) ?? String(version)}; expected a 'major.minor' version string such as '${TSGI_VERSION}' (defineApp() sets it)`;
  }
  const major = TSGI_VERSION.split('.')[0];
  if (version.split('.')[0] !== major) {
    return `the app is marked for TSGI ${version}, and this server implements TSGI ${TSGI_VERSION}: major versions differ`;
  }
  return undefined;
}

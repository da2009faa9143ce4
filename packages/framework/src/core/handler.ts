/**
 * `getTsgiApplication()`: settings -> middleware onion (built ONCE) -> URL resolver -> view
 * (Django's `BaseHandler` + `WSGIHandler`). The result is a TSGI app object that runs unchanged
 * on tsgi's `serve()`, tsgi-appserver, or any TSGI server.
 *
 * Per request, in order:
 * 1. the Host header is checked against ALLOWED_HOSTS (400 + a security log line; the view
 *    never runs);
 * 2. the middleware chain runs, outermost first;
 * 3. innermost: the URL is resolved (404 / 405), `processView` hooks run, the view runs
 *    (`processException` hooks may answer its throw);
 * 4. the response becomes a fetch Response (a FastResponse) for the server.
 *
 * One protocol for every layer: each middleware (built-in or the project's), the resolving
 * layer and the view answer with a response or a promise of one, and each is wrapped the same
 * way by `convertExceptionToResponse`, so its throw becomes a response at that layer. While
 * nothing returns a promise the whole request is answered synchronously (core/settle.ts).
 * @module
 */
import { defineApp, type TsgiAppObject, type TsgiContext, type TsgiStartupContext } from 'tsgi';
import { defineSettings, installedApps, type ResolvedSettings, type SettingsInput } from '../conf/settings.js';
import { HttpRequest } from '../http/request.js';
import { HostCache, effectiveAllowedHosts } from '../http/host.js';
import { ImproperlyConfigured } from './exceptions.js';
import type { GetResponse, Middleware, MiddlewareHandler } from './types.js';
import {
  convertExceptionToResponse,
  errorViewsFrom,
  responseForException,
  toHttpResponse,
  type ErrorViews,
} from './exception-handler.js';
import { settle, type MaybePromise } from './settle.js';
import { Resolver, urlpatternsOf, type ResolverMatch, type UrlConf } from '../urls/resolver.js';
import { inRequestScope, registerApplication } from '../urls/reverse.js';
import { BUILTIN_MIDDLEWARE } from '../middleware/builtin.js';
import { HttpResponseBase } from '../http/response.js';
import { readsFormBodyFirst } from './form-body.js';
import { getSessionStore, closeSessionStore } from '../sessions/engine.js';

/** The application object `getTsgiApplication()` returns. */
export interface TsgiApplication extends TsgiAppObject {
  /** Answers one request (TSGI): the Response itself when the view and middleware answered synchronously. */
  fetch(request: Request, context: TsgiContext): Response | Promise<Response>;
  /** Loads the URLconf (when given as a loader), checks settings, runs the apps' ready hooks. */
  startup(context: TsgiStartupContext): Promise<void>;
  /** Nothing to release today; kept so servers can call it. */
  shutdown(context: TsgiStartupContext): Promise<void>;
  /** The settings in effect (defaults filled). */
  readonly settings: ResolvedSettings;
  /** The root URL resolver (throws before the URLconf is loaded). */
  readonly resolver: Resolver;
  /**
   * Runs one request through the middleware and view and returns the framework response
   * before it becomes a fetch Response (used by the test client).
   */
  handle(request: HttpRequest): Promise<HttpResponseBase>;
}

/**
 * Builds the application: the middleware onion is built here, once; the URLconf is loaded
 * here when given directly, or in `startup` (first request at the latest) when given as a loader.
 *
 * @example
 * ```ts
 * // mysite/tsgi.ts
 * import { getTsgiApplication } from 'tsgi-framework';
 * import { settings } from './settings.js';
 * export const application = getTsgiApplication(settings);
 * ```
 */
export function getTsgiApplication(input: SettingsInput = {}): TsgiApplication {
  const settings = defineSettings(input);
  let resolver: Resolver | null = null;
  let errorViews: ErrorViews = errorViewsFrom(settings, null);
  let loading: Promise<void> | null = null;
  const hosts = new HostCache(effectiveAllowedHosts(settings.ALLOWED_HOSTS, settings.DEBUG));
  // What a bare reverse() reads outside requests: this application's URLconf and mount path.
  const urls = registerApplication();

  const useConf = (conf: UrlConf) => {
    resolver = new Resolver(urlpatternsOf(conf));
    errorViews = errorViewsFrom(settings, Array.isArray(conf) ? null : (conf as Record<string, unknown>));
    urls.resolver = resolver;
  };
  const rootConf = settings.ROOT_URLCONF;
  if (rootConf === null) useConf([]);
  else if (typeof rootConf !== 'function') useConf(rootConf);

  const ensureLoaded = (): Promise<void> | null => {
    if (resolver !== null) return null;
    loading ??= (async () => {
      const conf = await (rootConf as () => UrlConf | Promise<UrlConf>)();
      if (!Array.isArray(conf) && !Array.isArray((conf as { urlpatterns?: unknown })?.urlpatterns)) {
        throw new ImproperlyConfigured('ROOT_URLCONF loader must return a urlpatterns array or a module exporting `urlpatterns`.', 'ROOT_URLCONF');
      }
      useConf(conf);
    })();
    return loading;
  };

  // Django's response_for_exception, with the error views in effect (a lazy URLconf brings its own).
  const failLayer = (request: HttpRequest, error: unknown) => responseForException(request, error, errorViews);

  // Django's process_exception: the innermost middleware gets the first chance; a hook's own
  // throw, or no answer at all, ends in the error response.
  const exceptionHooks: ExceptionHook[] = [];
  const viewFailed = async (request: HttpRequest, error: unknown): Promise<HttpResponseBase> => {
    try {
      for (const hook of exceptionHooks) {
        const answer = await hook(request, error);
        if (answer) return toHttpResponse(answer, 'processException');
      }
      throw error;
    } catch (failure) {
      return failLayer(request, failure);
    }
  };

  // The view, wrapped like every other layer; its answer is prepared (FileResponse stats its
  // file) before the layers above see it, and a throw on the way goes to processException.
  const view = convertExceptionToResponse(runView, 'view', viewFailed);

  // processView hooks, outermost middleware first, then the view: one step per hook, built
  // once below with the onion.
  let viewStage: GetResponse = view;

  // Django's _get_response: resolve (Resolver404 / MethodNotAllowed are thrown here), then the
  // processView hooks and the view. Wrapped like the middleware.
  const resolveAndRun = (request: HttpRequest): MaybePromise<HttpResponseBase> => {
    const match = (resolver as Resolver).resolve(request.pathInfo, request.method);
    request.resolverMatch = match;
    request.params = match.params;
    return viewStage(request);
  };

  // Build the onion from the inside out, once.
  let handler: GetResponse = convertExceptionToResponse(resolveAndRun, 'URL resolver', failLayer);
  const viewHooks: ViewHook[] = [];
  const names = settings.MIDDLEWARE;
  for (let i = names.length - 1; i >= 0; i--) {
    const entry = names[i] as Middleware | string;
    const factory: Middleware | undefined = typeof entry === 'function' ? entry : BUILTIN_MIDDLEWARE[entry];
    if (!factory) {
      throw new ImproperlyConfigured(
        `MIDDLEWARE[${i}]: unknown middleware ${JSON.stringify(entry)} (built-in: ${Object.keys(BUILTIN_MIDDLEWARE).join(', ')}; or pass a factory function).`,
        'MIDDLEWARE',
      );
    }
    const layer = factory(handler, settings);
    if (typeof layer !== 'function') {
      throw new ImproperlyConfigured(`MIDDLEWARE[${i}] (${factory.name || 'anonymous'}) must return a function (request) => response; it returned ${typeof layer}.`, 'MIDDLEWARE');
    }
    if (layer.processView) viewHooks.push(layer.processView);
    if (layer.processException) exceptionHooks.push(layer.processException);
    handler = convertExceptionToResponse(layer, `middleware ${factory.name || `MIDDLEWARE[${i}]`}`, failLayer);
  }
  const chain = handler;
  // viewHooks holds the hooks innermost first: wrapping each around the stage below leaves the
  // outermost middleware's hook running first, as in Django.
  for (const hook of viewHooks) viewStage = viewHookStep(hook, viewStage);

  // Not async: a synchronous chain's response is handed back as it is (see core/settle.ts).
  const handleRequest = (request: HttpRequest): MaybePromise<HttpResponseBase> => {
    if (resolver === null) return (ensureLoaded() as Promise<void>).then(() => handleRequest(request));
    request.resolver = resolver;
    urls.mountPath = request.mountPath;
    // A bad Host never reaches middleware or view: Host poisoning defence (see http/host.ts).
    if (!hosts.accepts(request)) {
      try {
        request.getHost();
      } catch (error) {
        return failLayer(request, error);
      }
    }
    return inRequestScope(request, chain);
  };

  // SPEC 2.4: marked, so a server that auto-detects interfaces knows it is TSGI without guessing.
  return defineApp({
    settings,
    get resolver(): Resolver {
      if (resolver === null) throw new ImproperlyConfigured('The URLconf is not loaded yet (it loads in startup).', 'ROOT_URLCONF');
      return resolver;
    },
    handle: async (request) => handleRequest(request),
    fetch(raw: Request, context: TsgiContext): Response | Promise<Response> {
      const request = new HttpRequest(raw, context, settings);
      // TSGI takes a Response or a promise of one: a synchronous chain answers synchronously.
      return settle(request, handleRequest(request), toFetchResponse);
    },
    async startup(context: TsgiStartupContext): Promise<void> {
      const pending = ensureLoaded();
      if (pending) await pending;
      checkSettings(settings);
      getSessionStore(settings); // SESSION_ENGINE 'redis' without SESSION_REDIS_URL fails here, not at the first login
      for (const app of installedApps(settings)) {
        if (app.config?.ready) await app.config.ready(settings);
      }
      context.log.debug(`tsgi-framework: ${settings.MIDDLEWARE.length} middleware, DEBUG=${settings.DEBUG}`);
    },
    async shutdown(): Promise<void> {
      await closeSessionStore(settings);
    },
  });
}

/** A middleware's `processView` hook. */
type ViewHook = NonNullable<MiddlewareHandler['processView']>;

/** A middleware's `processException` hook. */
type ExceptionHook = NonNullable<MiddlewareHandler['processException']>;

/** One processView hook, then `next` unless the hook answered (Django's process_view). */
function viewHookStep(hook: ViewHook, next: GetResponse): GetResponse {
  const afterHook = (request: HttpRequest, early: unknown): MaybePromise<HttpResponseBase> => (early ? toHttpResponse(early, 'processView') : next(request));
  return function processView(request) {
    const match = request.resolverMatch as ResolverMatch;
    return settle(request, hook(request, match.view, match.params), afterHook);
  };
}

/** The resolved view's answer, as a prepared framework response. */
function runView(request: HttpRequest): MaybePromise<HttpResponseBase> {
  return settle(request, callView(request), finishView);
}

/**
 * Calls the resolved view with its route parameters; a form body is read first (so
 * `request.POST` and `request.FILES` are ready) unless the view is marked `streaming`.
 */
function callView(request: HttpRequest): unknown {
  const match = request.resolverMatch as ResolverMatch;
  if (readsFormBodyFirst(request, match.view)) return request.load().then(() => match.view(request, match.params));
  return match.view(request, match.params);
}

/** The view's answer as a response, prepared. */
function finishView(request: HttpRequest, answer: unknown): MaybePromise<HttpResponseBase> {
  let response: HttpResponseBase;
  if (answer instanceof HttpResponseBase) {
    response = answer;
  } else {
    const view = (request.resolverMatch as ResolverMatch).view;
    response = toHttpResponse(answer, `view ${view.viewName ?? (view.name || 'anonymous')}`);
  }
  return settle(response, response.prepare(), preparedResponse);
}

function preparedResponse(response: HttpResponseBase): HttpResponseBase {
  return response;
}

function toFetchResponse(request: HttpRequest, response: HttpResponseBase): Response {
  return response.toResponse(request.method === 'HEAD');
}

/** Errors that make serving pointless, raised at startup (warnings belong to `tsgi-admin check`). */
function checkSettings(settings: ResolvedSettings): void {
  const uses = (name: string) => settings.MIDDLEWARE.includes(name as never);
  if (!settings.SECRET_KEY && uses('SessionMiddleware')) {
    throw new ImproperlyConfigured('The SECRET_KEY setting must not be empty: SessionMiddleware signs session cookies with it.', 'SECRET_KEY');
  }
  if (!settings.DEBUG && settings.ALLOWED_HOSTS.length === 0) {
    throw new ImproperlyConfigured('ALLOWED_HOSTS is empty and DEBUG is false: every request would be refused. List the host names this site serves.', 'ALLOWED_HOSTS');
  }
}

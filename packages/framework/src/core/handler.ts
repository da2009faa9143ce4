/**
 * `getTsgiApplication()`: settings -> middleware onion (built ONCE) -> URL resolver -> view
 * (Django's `BaseHandler` + `WSGIHandler`). The result is a TSGI app object that runs unchanged
 * on tsgi's `serve()`, tsgi-appserver, or any TSGI server.
 *
 * Per request, in order:
 * 1. the Host header is checked against ALLOWED_HOSTS (400 + a security log line; the view
 *    never runs);
 * 2. the middleware chain runs, outermost first; each layer is wrapped so its throw becomes a
 *    response at that layer;
 * 3. innermost: the URL is resolved (404 / 405), `processView` hooks run, the view runs
 *    (`processException` hooks may answer its throw);
 * 4. the response becomes a fetch Response (a FastResponse) for the server.
 * @module
 */
import type { TsgiAppObject, TsgiContext, TsgiStartupContext } from 'tsgi';
import { defineSettings, installedApps, type ResolvedSettings, type SettingsInput } from '../conf/settings.js';
import { HttpRequest } from '../http/request.js';
import { HostCache, effectiveAllowedHosts } from '../http/host.js';
import { ImproperlyConfigured } from './exceptions.js';
import type { BuiltinMiddleware, ConvertLayerError, InnerGetResponse, MaybePromise, Middleware, MiddlewareHandler, View } from './types.js';
import {
  convertExceptionToResponse,
  errorViewsFrom,
  responseForException,
  toHttpResponse,
  type ErrorViews,
} from './exception-handler.js';
import { Resolver, urlpatternsOf, type ResolverMatch, type UrlConf } from '../urls/resolver.js';
import { inRequestScope, registerApplication } from '../urls/reverse.js';
import { BUILTIN_FACTORIES, BUILTIN_MIDDLEWARE } from '../middleware/builtin.js';
import { HttpResponseBase } from '../http/response.js';

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
  let urlconfModule: Record<string, unknown> | null = null;
  let errorViews: ErrorViews = errorViewsFrom(settings, null);
  let loading: Promise<void> | null = null;
  const hosts = new HostCache(effectiveAllowedHosts(settings.ALLOWED_HOSTS, settings.DEBUG));
  // What a bare reverse() reads outside requests: this application's URLconf and mount path.
  const urls = registerApplication();

  const useConf = (conf: UrlConf) => {
    resolver = new Resolver(urlpatternsOf(conf));
    urlconfModule = Array.isArray(conf) ? null : (conf as Record<string, unknown>);
    errorViews = errorViewsFrom(settings, urlconfModule);
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

  // The innermost layer: resolve, processView hooks, the view, processException hooks. Like the
  // built-in layers it answers synchronously while nothing it calls returns a promise.
  const viewHooks: ViewHook[] = [];
  const exceptionHooks: NonNullable<MiddlewareHandler['processException']>[] = [];

  // Django's process_exception: the innermost middleware gets the first chance; a hook's own
  // throw, or no answer at all, ends in the error response.
  const viewFailed = async (request: HttpRequest, error: unknown): Promise<HttpResponseBase> => {
    try {
      for (const hook of exceptionHooks) {
        const answer = await hook(request, error);
        if (answer) return toHttpResponse(answer, 'processException');
      }
      throw error;
    } catch (failure) {
      return responseForException(request, failure, errorViews);
    }
  };

  const finishView = (view: View, answer: unknown): MaybePromise<HttpResponseBase> => {
    // The view's name for the error message is only built when it is needed.
    const response = answer instanceof HttpResponseBase ? answer : toHttpResponse(answer, `view ${view.viewName ?? (view.name || 'anonymous')}`);
    const preparing = response.prepare();
    return preparing ? preparing.then(() => response) : response;
  };

  const runView = (request: HttpRequest, match: ResolverMatch): MaybePromise<HttpResponseBase> => {
    const view: View = match.view;
    try {
      const answer = view(request, match.params);
      if (isThenable(answer)) {
        return Promise.resolve(answer).then((value) => finishView(view, value)).catch((error: unknown) => viewFailed(request, error));
      }
      const response = finishView(view, answer);
      return response instanceof Promise ? response.catch((error: unknown) => viewFailed(request, error)) : response;
    } catch (error) {
      return viewFailed(request, error);
    }
  };

  // Once a processView hook answers with a promise, the rest of the hooks and the view run here.
  const continueAfterHook = async (request: HttpRequest, match: ResolverMatch, next: number, pending: PromiseLike<unknown>): Promise<HttpResponseBase> => {
    try {
      let early = await pending;
      if (early) return toHttpResponse(early, 'processView');
      for (let i = next; i < viewHooks.length; i++) {
        early = await viewHooks[i]!(request, match.view, match.params);
        if (early) return toHttpResponse(early, 'processView');
      }
      return await runView(request, match);
    } catch (error) {
      return responseForException(request, error, errorViews);
    }
  };

  const innerGetResponse = (request: HttpRequest): MaybePromise<HttpResponseBase> => {
    // This layer converts its own errors (what convertExceptionToResponse does for the others),
    // saving a wrapper on the hot path.
    try {
      const match = (resolver as Resolver).resolve(request.pathInfo, request.method);
      request.resolverMatch = match;
      request.params = match.params;
      for (let i = 0; i < viewHooks.length; i++) {
        // Hooks answer synchronously when they have nothing to say (CSRF on a GET).
        const early = viewHooks[i]!(request, match.view, match.params);
        if (isThenable(early)) return continueAfterHook(request, match, i + 1, early);
        if (early) return toHttpResponse(early, 'processView');
      }
      return runView(request, match);
    } catch (error) {
      return responseForException(request, error, errorViews);
    }
  };

  // Build the onion from the inside out, once.
  const getErrorViews = () => errorViews;
  const convertLayerError: ConvertLayerError = (request, error) => responseForException(request, error, errorViews);
  let handler: InnerGetResponse = innerGetResponse;
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
    // The built-in layers convert their own throws (no wrapper: one async frame and one await
    // less per layer per request); any other layer gets Django's convert_exception_to_response.
    const builtin = BUILTIN_FACTORIES.has(factory);
    const below = handler;
    // A project's own layer is promised a promise (GetResponse); the built-in ones take either.
    const layer = builtin ? (factory as BuiltinMiddleware)(below, settings, convertLayerError) : factory(async (request) => below(request), settings);
    if (typeof layer !== 'function') {
      throw new ImproperlyConfigured(`MIDDLEWARE[${i}] (${factory.name || 'anonymous'}) must return a function (request) => response; it returned ${typeof layer}.`, 'MIDDLEWARE');
    }
    if (layer.processView) viewHooks.unshift(layer.processView);
    if (layer.processException) exceptionHooks.push(layer.processException);
    handler = builtin ? (layer as InnerGetResponse) : convertExceptionToResponse(layer, getErrorViews);
  }
  const chain = handler;

  // Not async: it hands back the chain's own answer, a response when everything answered
  // synchronously (an async function would add a promise and microtask ticks to every request).
  const handleRequest = (request: HttpRequest): MaybePromise<HttpResponseBase> => {
    if (resolver === null) return (ensureLoaded() as Promise<void>).then(() => handleRequest(request));
    request.resolver = resolver;
    urls.mountPath = request.mountPath;
    // A bad Host never reaches middleware or view: Host poisoning defence (see http/host.ts).
    if (!hosts.check(request.rawHost())) {
      try {
        request.getHost();
      } catch (error) {
        return responseForException(request, error, errorViews);
      }
    }
    return inRequestScope(request, chain);
  };

  return {
    settings,
    get resolver(): Resolver {
      if (resolver === null) throw new ImproperlyConfigured('The URLconf is not loaded yet (it loads in startup).', 'ROOT_URLCONF');
      return resolver;
    },
    handle: async (request) => handleRequest(request),
    fetch(raw: Request, context: TsgiContext): Response | Promise<Response> {
      const request = new HttpRequest(raw, context, settings);
      const head = request.method === 'HEAD';
      const response = handleRequest(request);
      // TSGI takes a Response or a promise of one: a synchronous chain answers synchronously.
      if (response instanceof Promise) return response.then((r) => r.toResponse(head));
      return response.toResponse(head);
    },
    async startup(context: TsgiStartupContext): Promise<void> {
      const pending = ensureLoaded();
      if (pending) await pending;
      checkSettings(settings);
      for (const app of installedApps(settings)) {
        if (app.config?.ready) await app.config.ready(settings);
      }
      context.log.debug(`tsgi-framework: ${settings.MIDDLEWARE.length} middleware, DEBUG=${settings.DEBUG}`);
    },
    async shutdown(): Promise<void> {},
  };
}

/** A middleware's `processView` hook. */
type ViewHook = NonNullable<MiddlewareHandler['processView']>;

/** A promise or any other thenable (what `await` would wait for). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
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

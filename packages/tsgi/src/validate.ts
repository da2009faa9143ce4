/**
 * `validate(app)`: wraps an app and checks both sides of every call against SPEC.md, as
 * `wsgiref.validate` and `Rack::Lint` do for WSGI and Rack. Use it in development and in tests;
 * it costs a few checks per request and wraps bodies that declare a Content-Length.
 * @module
 */
import type { TsgiApp, TsgiAppObject, TsgiContext, TsgiStartupContext, TsgiState } from './types.js';
import { TsgiValidationError, violation, type TsgiViolation } from './validate-codes.js';
import { checkContext, checkRequest, checkServerInfo, describeRequest, watchCompletion } from './validate-server.js';
import { checkResponse, verifyContentLength } from './validate-response.js';

/** Options of {@link validate}. */
export interface ValidateOptions {
  /**
   * Called with every violation instead of throwing. Without it, an error-level violation
   * throws a {@link TsgiValidationError} out of `fetch` (so the server answers 500 and logs it)
   * and warnings go to `context.log.warn`.
   */
  onViolation?: (found: TsgiViolation) => void;
}

function resolve(app: unknown): TsgiAppObject {
  if (typeof app === 'function') return { fetch: app as TsgiAppObject['fetch'] };
  if (app !== null && typeof app === 'object' && typeof (app as TsgiAppObject).fetch === 'function') return app as TsgiAppObject;
  const found = app === null ? 'null' : typeof app === 'object' ? `an object with keys [${Object.keys(app).join(', ')}] and no fetch method` : typeof app;
  throw new TsgiValidationError(violation('TSGI_E_APP_SHAPE', `validate() was given ${found}; pass a function (request, context) => Response or an object with a fetch method`));
}

/**
 * Wraps `app` so that every call checks what the server passed (Request, absolute URL, context
 * fields, `completed`, `waitUntil`, the same `context.server` each time) and what the app
 * returned (a Response, status 200-599, header names and values, no hop-by-hop headers, no body
 * on 204/304 or HEAD, Content-Length matching the body). Each problem is a {@link TsgiViolation}
 * with a stable `TSGI_E_...` code and a message saying how to fix it.
 *
 * @example
 * ```ts
 * import { serve, validate } from 'tsgi';
 * const app = validate({ fetch: () => new Response('hi') });
 * await serve(app, { port: 0 });
 * ```
 * @example Collecting instead of throwing (tests):
 * ```ts
 * const found: TsgiViolation[] = [];
 * const app = validate(myApp, { onViolation: (v) => found.push(v) });
 * ```
 */
export function validate(app: TsgiApp, options: ValidateOptions = {}): TsgiAppObject {
  const inner = resolve(app);
  const onViolation = options.onViolation;
  let firstServer: unknown;

  /** Reports a violation; in throwing mode an error stops the call, a warning is logged. */
  function found(problems: readonly TsgiViolation[], log: TsgiContext['log'] | undefined): void {
    for (const problem of problems) {
      if (onViolation !== undefined) {
        onViolation(problem);
      } else if (problem.severity === 'warning') {
        if (log !== undefined && typeof log.warn === 'function') log.warn(problem.message);
        else console.warn(problem.message);
      }
    }
    if (onViolation === undefined) {
      const error = problems.find((p) => p.severity === 'error');
      if (error !== undefined) throw new TsgiValidationError(error);
    }
  }

  /** Reports a violation found after fetch returned: nobody can catch it, so it is logged. */
  function late(log: TsgiContext['log'] | undefined): (problem: TsgiViolation) => void {
    return (problem) => {
      if (onViolation !== undefined) onViolation(problem);
      else if (log !== undefined && typeof log.error === 'function') log.error(problem.message);
      else console.error(problem.message);
    };
  }

  async function fetch(this: unknown, ...args: unknown[]): Promise<Response> {
    const [request, context] = args;
    const ctx = context as TsgiContext | undefined;
    const log = ctx !== null && typeof ctx === 'object' && typeof ctx.log === 'object' ? ctx.log : undefined;
    const serverSide: TsgiViolation[] = [];
    if (args.length !== 2) {
      serverSide.push(violation('TSGI_E_FETCH_ARGUMENTS', `fetch was called with ${args.length} arguments; call it as app.fetch(request, context)`, describeRequest(request)));
    }
    serverSide.push(...checkRequest(request), ...checkContext(context, request instanceof Request ? request : undefined));
    if (ctx !== null && typeof ctx === 'object' && ctx.server !== undefined) {
      if (firstServer === undefined) firstServer = ctx.server;
      else if (ctx.server !== firstServer) {
        serverSide.push(violation('TSGI_E_CONTEXT_SERVER_CHANGED', 'context.server is a different object than on an earlier request; declare capabilities once and hand every request the same object', describeRequest(request)));
      }
    }
    if (request instanceof Request && typeof (request.signal as unknown) === 'object' && request.signal.aborted) {
      serverSide.push(violation('TSGI_E_REQUEST_SIGNAL', 'request.signal is already aborted when the app is called', describeRequest(request)));
    }
    found(serverSide, log);
    const req = request as Request;
    const label = describeRequest(req);
    if (ctx !== null && typeof ctx === 'object' && ctx.completed instanceof Promise && req instanceof Request) {
      watchCompletion(ctx, req, late(log));
    }
    const result: unknown = await inner.fetch.call(inner, req, ctx as TsgiContext);
    const method = req instanceof Request ? req.method : 'GET';
    found(checkResponse(result, method, label), log);
    if (!(result instanceof Response)) return result as Response;
    return verifyContentLength(result, method, late(log), label);
  }

  const wrapped: TsgiAppObject = { fetch };
  if (inner.startup !== undefined) {
    const startup = inner.startup;
    wrapped.startup = async (context: TsgiStartupContext): Promise<void | TsgiState> => {
      found(checkServerInfo(context?.server), context?.log);
      firstServer = context?.server;
      const state: unknown = await startup.call(inner, context);
      if (state !== undefined && (state === null || typeof state !== 'object' || Array.isArray(state))) {
        found([violation('TSGI_E_STARTUP_STATE', `startup returned ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}; return nothing or a plain object of state`)], context?.log);
      }
      return state as void | TsgiState;
    };
  }
  if (inner.shutdown !== undefined) {
    const shutdown = inner.shutdown;
    wrapped.shutdown = (context: TsgiStartupContext) => shutdown.call(inner, context);
  }
  return wrapped;
}

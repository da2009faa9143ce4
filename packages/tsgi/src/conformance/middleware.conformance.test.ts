/**
 * SPEC 2.5.6: a middleware is checked by serving the kit's probe through it. Here the timing
 * middleware of SPEC 11.2 wraps the probe on `serve()`, which passes the kit without it: every
 * case must still pass, so the middleware keeps the context, the body, `completed`, `waitUntil`,
 * the signal and lifespan as the rules of 2.5 ask. The start-refusal cases (an invalid app, a
 * wrongly marked one, a failing startup) get the probe's export unwrapped: they check the server.
 */
import { resolveApp } from '../lifespan.js';
import { serve } from '../serve.js';
import type { TsgiApp, TsgiAppObject } from '../types.js';
import { capturingLog } from './testdata/capturing-log.js';
import { describeServerConformance } from './index.js';

const errors: string[] = [];

/** SPEC 11.2's middleware: logs each request's line, status and duration once `completed` settles. */
function timing(app: TsgiApp): TsgiAppObject {
  const inner = resolveApp(app);
  return {
    startup: inner.startup,
    shutdown: inner.shutdown,
    async fetch(request, context) {
      const started = performance.now();
      void context.completed.then(({ status, aborted }) =>
        context.log.info(`${request.method} ${request.url} ${status}${aborted ? ' (aborted)' : ''} ${(performance.now() - started).toFixed(1)}ms`),
      );
      return inner.fetch(request, context);
    },
  };
}

const WRAPPED = new Set(['application', 'functionApplication']);

describeServerConformance('serve() with the probe behind a middleware', {
  async start(probe, config) {
    const app = WRAPPED.has(probe.exportName) ? timing(probe.app) : probe.app;
    const server = await serve(app, { port: 0, shutdownTimeoutMs: 5_000, log: capturingLog(errors), ...config });
    return { url: server.url, close: () => server.close() };
  },
  errorLog: () => errors,
});

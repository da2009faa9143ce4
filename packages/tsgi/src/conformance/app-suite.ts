/**
 * `describeAppConformance(name, app)`: drives an application under `validate()` with ordinary
 * and awkward requests and fails on every violation of the application side of SPEC.md.
 * @module
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TSGI_VERSION, type TsgiApp, type TsgiAppObject, type TsgiState } from '../types.js';
import { validate } from '../validate.js';
import type { TsgiViolation } from '../validate-codes.js';
import { createTestContext, TEST_SERVER_INFO } from './test-context.js';

/** One request the suite sends, relative to `http://127.0.0.1:8000`. */
export interface AppProbeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Expected status, when the app author knows it. */
  readonly status?: number;
}

/** Options of {@link describeAppConformance}. */
export interface AppConformanceOptions {
  /** Extra requests to make (the suite always sends GET /, HEAD /, POST / and an unknown path). */
  readonly requests?: readonly AppProbeRequest[];
}

const ORIGIN = 'http://127.0.0.1:8000';

/**
 * Registers the application conformance suite: the app must answer every request with a valid
 * Response under `validate()` (no error-level violation), survive concurrency, and keep its
 * lifespan contract.
 *
 * @example
 * ```ts
 * import { describeAppConformance } from 'tsgi/conformance';
 * describeAppConformance('my app', { fetch: () => new Response('ok') }, {
 *   requests: [{ method: 'GET', path: '/health', status: 200 }],
 * });
 * ```
 */
export function describeAppConformance(name: string, app: TsgiApp, options: AppConformanceOptions = {}): void {
  describe(`TSGI ${TSGI_VERSION} application conformance: ${name}`, () => {
    const violations: TsgiViolation[] = [];
    let validated: TsgiAppObject;
    let state: TsgiState = {};
    let startupContext: Parameters<NonNullable<TsgiAppObject['startup']>>[0] | undefined;

    before(async () => {
      validated = validate(app, { onViolation: (v) => violations.push(v) });
      if (validated.startup !== undefined) {
        const probe = createTestContext(new Request(`${ORIGIN}/`));
        startupContext = { server: TEST_SERVER_INFO, worker: probe.context.worker, log: probe.context.log, state };
        const returned = await validated.startup(startupContext);
        if (returned !== undefined && returned !== null && typeof returned === 'object') state = { ...state, ...returned };
      }
    });

    after(async () => {
      if (validated?.shutdown !== undefined && startupContext !== undefined) await validated.shutdown(startupContext);
    });

    async function call(req: AppProbeRequest): Promise<{ response: Response; found: TsgiViolation[] }> {
      const start = violations.length;
      const init: RequestInit = { method: req.method, headers: req.headers ?? {} };
      if (req.body !== undefined) init.body = req.body;
      const request = new Request(`${ORIGIN}${req.path}`, init);
      const { context, finish, drain } = createTestContext(request, { state, server: TEST_SERVER_INFO });
      let response: Response;
      try {
        response = await validated.fetch(request, context);
      } finally {
        // Report what a server would, even when the app threw.
      }
      const bytes = response instanceof Response && response.body !== null ? (await response.arrayBuffer()).byteLength : 0;
      finish({ aborted: false, bytesWritten: req.method === 'HEAD' ? 0 : bytes, status: response instanceof Response ? response.status : 0 });
      await drain();
      await new Promise((resolve) => setImmediate(resolve));
      return { response, found: violations.slice(start) };
    }

    function assertClean(found: TsgiViolation[], what: string): void {
      const errors = found.filter((v) => v.severity === 'error');
      assert.deepEqual(errors.map((v) => v.message), [], `${what}: the app broke the TSGI contract`);
    }

    const requests: AppProbeRequest[] = [
      { method: 'GET', path: '/' },
      { method: 'HEAD', path: '/' },
      { method: 'POST', path: '/', headers: { 'content-type': 'text/plain' }, body: 'hello' },
      { method: 'GET', path: '/tsgi-conformance-no-such-path?x=1' },
      { method: 'OPTIONS', path: '/' },
      ...(options.requests ?? []),
    ];

    for (const req of requests) {
      it(`[A-RESPONSE] ${req.method} ${req.path} gets a valid Response (R2.1.4 R5.2.1 R5.3.1 R5.3.2 R5.4.1 R5.7.5 R5.6.4)`, async () => {
        const { response, found } = await call(req);
        assertClean(found, `${req.method} ${req.path}`);
        assert.ok(response instanceof Response);
        if (req.status !== undefined) assert.equal(response.status, req.status);
      });
    }

    it('[A-CONCURRENT] concurrent calls all get valid Responses (R2.2.1)', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call({ method: 'GET', path: `/?concurrent=${i}` })));
      for (const { response, found } of results) {
        assertClean(found, 'a concurrent GET');
        assert.ok(response instanceof Response);
      }
    });

    it('[A-ABORTED] a request whose client left mid-way does not make the app throw synchronously (3.7)', async () => {
      const controller = new AbortController();
      const request = new Request(`${ORIGIN}/`, { signal: controller.signal });
      const { context, finish } = createTestContext(request, { state, server: TEST_SERVER_INFO });
      const pending = Promise.resolve(validated.fetch(request, context));
      controller.abort();
      finish({ aborted: true, bytesWritten: 0, status: 0 });
      const outcome = await pending.then((r) => r, (error: unknown) => error);
      if (outcome instanceof Response) await outcome.body?.cancel();
      assert.ok(outcome instanceof Response || outcome instanceof Error, 'the app settled with neither a Response nor an Error');
    });
  });
}

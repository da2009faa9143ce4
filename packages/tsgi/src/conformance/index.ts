/**
 * `tsgi/conformance`: the TSGI conformance kit. `describeServerConformance` checks a server,
 * `describeAppConformance` an application; both register node:test suites. See
 * packages/tsgi/conformance/README.md.
 *
 * @example
 * ```ts
 * import { describeServerConformance } from 'tsgi/conformance';
 * describeServerConformance('my server', { start: async (probe, config) => startMyServer(probe.app, config) });
 * ```
 * @module
 */
export { describeServerConformance } from './server-suite.js';
export { runConformance, reportOf, EXTENSION_CASES, type ConformanceReport, type CaseReport, type RunConformanceOptions } from './claim.js';
export { describeAppConformance, type AppConformanceOptions, type AppProbeRequest } from './app-suite.js';
export { PROBE_DIR_ENV, type ProbeApp, type ProbeServerConfig, type ServerHarness, type StartedServer } from './harness.js';
export { application as probeApplication, failingStartupApplication, PROBE_MODULE } from './probe-app.js';
export { createTestContext, type TestContext } from './test-context.js';
export { RawConnection, exchange, parseResponse, type RawResponse } from './raw-http.js';
export { decodeHttpFixture, FIXTURES_DIR } from './fixtures.js';

/**
 * `tsgi-test-support`: what the tests of every tsgi package share. A private workspace package
 * outside the import arrows (it imports node built-ins only), so head-gate, tsgi, appserver,
 * webserver and framework tests may all depend on it; no published file imports it.
 *
 * @example
 * ```ts
 * import { waitFor } from 'tsgi-test-support';
 * await waitFor(() => server.stats().active === 0, { what: 'the server to go idle' });
 * ```
 * @module
 */
export { waitFor, assertStaysQuiet, slowPeerPause, type WaitOptions } from './wait.js';
export { canConnect, freePort, freePorts, open, rawExchange, readUntilClose, waitForData } from './net.js';
export { tempDir } from './temp-dir.js';
export { uploadRaw, type UploadOptions, type UploadOutcome } from './upload.js';
export { waitForOutput } from './process.js';
export { builtinsProbeEnv, probeReports, type ProbeReport } from './builtins-probe.js';

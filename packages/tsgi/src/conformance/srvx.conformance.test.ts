/**
 * The conformance kit against srvx running the probe through `toFetchHandler`. The cases only
 * srvx can fix are listed, with the reason, in testdata/known-failures.ts; each must still fail.
 */
import { describeServerConformance } from './index.js';
import { fetchHandlerHarness, SRVX } from './testdata/fetch-hosts.js';
import { SRVX_KNOWN_FAILURES } from './testdata/known-failures.js';

describeServerConformance('srvx + toFetchHandler', fetchHandlerHarness(SRVX, { knownFailures: SRVX_KNOWN_FAILURES }));

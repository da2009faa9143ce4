/**
 * The conformance kit against @hono/node-server running the probe through `toFetchHandler`. The
 * cases only the host can fix are listed, with the reason, in testdata/known-failures.ts; each
 * must still fail.
 */
import { describeServerConformance } from './index.js';
import { fetchHandlerHarness, HONO_NODE_SERVER } from './testdata/fetch-hosts.js';
import { HONO_NODE_SERVER_KNOWN_FAILURES } from './testdata/known-failures.js';

describeServerConformance('@hono/node-server + toFetchHandler', fetchHandlerHarness(HONO_NODE_SERVER, { knownFailures: HONO_NODE_SERVER_KNOWN_FAILURES }));

/**
 * The conformance kit against a plain node:http server wired by hand with `toNodeListener`
 * (checkContinue registered, startup and shutdown run around it): every case must pass.
 */
import { describeServerConformance } from './index.js';
import { nodeListenerHarness } from './testdata/fetch-hosts.js';

describeServerConformance('node:http + toNodeListener', nodeListenerHarness());

/**
 * A harness file as `tsgi-conformance` takes it: a plain node:http server running the probe
 * through `toNodeListener` (checkContinue wired, startup and shutdown run around it).
 */
import { nodeListenerHarness } from './fetch-hosts.js';

export default nodeListenerHarness();

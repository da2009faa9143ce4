/**
 * The TSGI conformance kit against tsgi-appserver as users run it: a real master process with
 * 2 workers loading the probe module from its file.
 */
import { describeServerConformance } from 'tsgi/conformance';
import { appserverHarness } from './testing/conformance-harness.js';

describeServerConformance('tsgi-appserver -w 2', appserverHarness(2));

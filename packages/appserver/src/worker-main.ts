/**
 * The program each worker process runs (forked by the arbiter with an IPC channel).
 * @module
 */
import { errorText } from './errors.js';
import { runWorker } from './worker.js';

runWorker().catch((err: unknown) => {
  console.error(`tsgi-appserver worker ${process.pid}: ${errorText(err)}`);
  process.exit(3);
});

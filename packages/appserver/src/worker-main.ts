/**
 * The program each worker process runs (forked by the arbiter with an IPC channel).
 * @module
 */
import { runWorker } from './worker.js';

runWorker().catch((err: unknown) => {
  console.error(`tsgi-appserver worker ${process.pid}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(3);
});

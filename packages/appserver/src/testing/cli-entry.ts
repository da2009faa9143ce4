/**
 * Runs the CLI from source (tests spawn it with `--conditions=source --import tsx`), as
 * bin/tsgi-appserver.js runs it from dist.
 * @module
 */
import { main } from '../cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

/**
 * Runs the CLI from source (tests spawn this through tsx; node:cluster forks it again for the
 * workers, which is why it is a file and not `node -e`).
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

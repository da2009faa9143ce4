#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the root `prepare` script.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1; },
);

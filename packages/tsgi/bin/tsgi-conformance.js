#!/usr/bin/env node
// The TSGI conformance kit from the command line: see packages/tsgi/conformance/README.md.
import { main } from '../dist/conformance/cli.js';

process.exitCode = await main(process.argv.slice(2));

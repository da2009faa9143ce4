/**
 * The package version, read once from package.json (one level above both src/ and dist/).
 * @module
 */
import { readFileSync } from 'node:fs';

/** This package's version, e.g. `0.1.0`. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The product token servers declare: `tsgi-appserver/0.1.0`. */
export const SOFTWARE = `tsgi-appserver/${VERSION}`;

/**
 * The framework's version, read from its package.json (the generated package.json depends on
 * the matching releases; `tsgi-admin version` prints it).
 * @module
 */
import { readFile } from 'node:fs/promises';

/** Resolves to e.g. `0.1.0`. */
export async function frameworkVersion(): Promise<string> {
  // Two levels up from src/management/ or dist/management/ is the package root.
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

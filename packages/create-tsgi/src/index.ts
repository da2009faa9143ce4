/**
 * `create-tsgi`: `npm create tsgi@latest mysite` writes a tsgi-framework project and installs it.
 * The module exports the same steps for tools that make projects programmatically.
 *
 * @example
 * ```ts
 * import { createProject, nextSteps } from 'create-tsgi';
 * const dir = await createProject({ name: 'mysite', cwd: process.cwd(), install: false });
 * console.log(nextSteps(dir, process.cwd(), false));
 * ```
 * @module
 */
export type { CreateOptions } from './create.js';
export { createProject, nextSteps } from './create.js';
export { CreateError } from './create-error.js';
export type { Manifest } from './tarballs.js';
export { dependOnTarballs, findTarballs } from './tarballs.js';
export type { CliIo } from './cli.js';
export { main } from './cli.js';

/**
 * `tsgi-appserver/testing`: start tsgi-appserver as a real process in tests (examples and
 * other packages use it to run their apps under the real server).
 *
 * @example
 * ```ts
 * import { startAppserver } from 'tsgi-appserver/testing';
 * const server = await startAppserver(['-w', '2', 'examples/hono/app.ts']);
 * await fetch(server.url);
 * await server.stop();
 * ```
 * @module
 */
export { spawnAppserver, startAppserver, tempProject, REPO_ROOT, type AppserverProcess, type SpawnOptions } from './spawn-appserver.js';

/**
 * `tsgi-admin`: the framework's command-line utility (Django's `django-admin`). Outside a
 * project it offers startproject and startapp; a project's `manage.ts` runs the same commands
 * with the project's settings.
 *
 * @example
 * ```sh
 * npx tsgi-admin startproject mysite
 * npx tsgi-admin help startapp
 * ```
 * @module
 */
import { executeFromCommandLine } from './management/execute.js';

/** Runs one command from argv (without node and script) and resolves to the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return executeFromCommandLine(argv, { prog: 'tsgi-admin' });
}

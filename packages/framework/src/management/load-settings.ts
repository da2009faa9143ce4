/**
 * Loads a project's settings module (the file manage.ts names) the way every project command
 * needs it: the `settings` export, else the default export, passed through `defineSettings`.
 * @module
 */
import { pathToFileURL } from 'node:url';
import type { ResolvedSettings } from '../conf/settings.js';
import { defineSettings } from '../conf/settings.js';
import type { ProjectContext } from './base.js';
import { CommandError } from './base.js';

/**
 * Imports the settings module. Any failure (syntax error, a bad value caught by
 * defineSettings) becomes a {@link CommandError} prefixed `(tsgi.E001)` naming the file.
 *
 * @example
 * ```ts
 * const settings = await loadSettings(context.project!);
 * ```
 */
export async function loadSettings(project: ProjectContext): Promise<ResolvedSettings> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(project.settingsPath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CommandError(`(tsgi.E001) Could not load the settings module ${project.settingsPath}: ${describeError(error)}`);
  }
  const value = module.settings ?? module.default;
  if (typeof value !== 'object' || value === null) {
    throw new CommandError(
      `(tsgi.E001) The settings module ${project.settingsPath} has no settings: export them as ` +
        '`export const settings = defineSettings({...})`.',
    );
  }
  try {
    return defineSettings(value as Parameters<typeof defineSettings>[0]);
  } catch (error) {
    throw new CommandError(`(tsgi.E001) ${project.settingsPath}: ${describeError(error)}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

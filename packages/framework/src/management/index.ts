/**
 * `tsgi-framework/management`: what a project's `manage.ts` imports, and the pieces to write
 * your own commands and checks.
 *
 * @example
 * ```ts
 * // manage.ts
 * import { executeFromCommandLine } from 'tsgi-framework/management';
 * process.exitCode = await executeFromCommandLine(process.argv.slice(2), {
 *   project: { baseDir: import.meta.dirname, settings: 'mysite/settings.ts', application: 'mysite/tsgi.ts:application' },
 * });
 * ```
 * @module
 */
export type { ArgumentSpec, Command, CommandContext, CommandDefinition, OptionSpec, Output, ParsedArguments, ProjectContext } from './base.js';
export { CommandError, defineCommand, UsageError } from './base.js';
export type { ExecuteOptions } from './execute.js';
export { executeFromCommandLine, runCommand } from './execute.js';
export { commands } from './registry.js';
export { loadSettings } from './load-settings.js';
export { getRandomSecretKey } from './secret-key.js';
export type { CheckLevelName, CheckMessage, RunChecksOptions, SystemCheck } from '../conf/checks.js';
export { CheckLevel, checkUrlpatterns, formatCheckReport, isSerious, runChecks, SYSTEM_CHECKS } from '../conf/checks.js';
export * from '../staticfiles/index.js';

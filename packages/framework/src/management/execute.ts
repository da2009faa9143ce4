/**
 * The dispatcher behind `tsgi-admin` and a project's `manage.ts` (Django's
 * `ManagementUtility`): looks the command up in the registry, parses its arguments from its
 * declaration, runs it and turns failures into Django-style messages and exit codes
 * (0 ok, 1 `CommandError`, 2 usage error).
 * @module
 */
import { resolve } from 'node:path';
import type { Command, CommandContext, Output, ProjectContext } from './base.js';
import { CommandError } from './base.js';
import { splitAppSpec } from './app-spec.js';
import { commandHelp, parseCommandArguments, usageLine } from './parse.js';
import { commands as builtinCommands } from './registry.js';
import { frameworkVersion } from './version.js';

/** What manage.ts passes: where the project's settings and application live. */
export interface ExecuteOptions {
  /** Program name in messages; default `tsgi-admin`, or `manage.ts` when `project` is given. */
  readonly prog?: string;
  /**
   * The project's own commands (Django's `<app>/management/commands/`): listed by `help` after
   * the built-in ones; one with a built-in's name replaces it.
   */
  readonly commands?: readonly Command[];
  /** The project (from manage.ts). Paths may be relative to `project.baseDir`. */
  readonly project?: { baseDir: string; settings: string; application: string };
  readonly stdout?: Output;
  readonly stderr?: Output;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs one management command from argv and resolves to the exit code.
 *
 * @example
 * ```ts
 * // manage.ts
 * import { executeFromCommandLine } from 'tsgi-framework/management';
 * process.exitCode = await executeFromCommandLine(process.argv.slice(2), {
 *   project: { baseDir: import.meta.dirname, settings: 'mysite/settings.ts', application: 'mysite/tsgi.ts:application' },
 * });
 * ```
 */
export async function executeFromCommandLine(argv: readonly string[], options: ExecuteOptions = {}): Promise<number> {
  const context = makeContext(options);
  const extra = options.commands ?? [];
  const commands = [...builtinCommands.filter((c) => !extra.some((e) => e.name === c.name)), ...extra];
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    return printHelp(context, commands, topic);
  }
  if (name === 'version' || name === '--version') {
    context.stdout.write(`${await frameworkVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    context.stderr.write(`Unknown command: '${name}'\nType '${context.prog} help' for usage.\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    context.stdout.write(commandHelp(context.prog, command));
    return 0;
  }
  return runCommand(command, context, rest);
}

/** Runs `command` with already-split argv, mapping errors to messages and exit codes. */
export async function runCommand(command: Command, context: CommandContext, argv: readonly string[]): Promise<number> {
  if (command.requiresProject && !context.project) {
    context.stderr.write(
      `CommandError: '${command.name}' needs a project's settings. Run it from your project as ` +
        `'npx tsx manage.ts ${command.name}' (created by 'tsgi-admin startproject').\n`,
    );
    return 1;
  }
  try {
    const parsed = parseCommandArguments(command, argv);
    return await command.handle(context, parsed);
  } catch (error) {
    if (error instanceof CommandError) {
      if (error.exitCode === 2) {
        context.stderr.write(`${usageLine(context.prog, command)}\n${context.prog} ${command.name}: error: ${error.message}\n`);
      } else {
        context.stderr.write(`CommandError: ${error.message}\n`);
      }
      return error.exitCode;
    }
    throw error;
  }
}

function makeContext(options: ExecuteOptions): CommandContext {
  const cwd = options.cwd ?? process.cwd();
  let project: ProjectContext | undefined;
  if (options.project) {
    const baseDir = resolve(cwd, options.project.baseDir);
    const [file, attribute] = splitAppSpec(options.project.application);
    project = {
      baseDir,
      settingsPath: resolve(baseDir, options.project.settings),
      application: `${resolve(baseDir, file)}:${attribute}`,
    };
  }
  return {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    cwd,
    prog: options.prog ?? (project ? 'manage.ts' : 'tsgi-admin'),
    env: options.env ?? process.env,
    ...(project ? { project } : {}),
  };
}

function printHelp(context: CommandContext, commands: readonly Command[], topic: string | undefined): number {
  if (topic !== undefined) {
    const command = commands.find((c) => c.name === topic);
    if (!command) {
      context.stderr.write(`Unknown command: '${topic}'\nType '${context.prog} help' for usage.\n`);
      return 1;
    }
    context.stdout.write(commandHelp(context.prog, command));
    return 0;
  }
  const lines = [
    '',
    `Type '${context.prog} help <subcommand>' for help on a specific subcommand.`,
    '',
    'Available subcommands:',
    '',
  ];
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  for (const c of commands) {
    const usable = !c.requiresProject || context.project !== undefined;
    const summary = c.help.split(/(?<=\.)\s/)[0] ?? c.help;
    lines.push(`    ${c.name.padEnd(width)}${summary}${usable ? '' : ' (in a project: manage.ts)'}`);
  }
  context.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

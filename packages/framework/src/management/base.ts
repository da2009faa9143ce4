/**
 * The shared shape of a management command (Django's `BaseCommand`): a name, a one-line help,
 * positional arguments and options declared as data. `help`, argument parsing and usage errors
 * all come from that one declaration, so a command never parses argv by hand.
 *
 * @example
 * ```ts
 * import { defineCommand } from 'tsgi-framework/management';
 * export default defineCommand({
 *   name: 'hello',
 *   help: 'Says hello.',
 *   args: [{ name: 'who', help: 'Who to greet.', optional: true }],
 *   options: [{ name: 'shout', type: 'boolean', help: 'Upper-case the greeting.' }],
 *   async handle({ stdout }, { args, options }) {
 *     const text = `hello ${args.who ?? 'world'}`;
 *     stdout.write(`${options.shout ? text.toUpperCase() : text}\n`);
 *     return 0;
 *   },
 * });
 * ```
 * @module
 */

/** One positional argument. */
export interface ArgumentSpec {
  /** Shown upper-cased in usage lines (`name` -> `NAME`). */
  readonly name: string;
  readonly help: string;
  /** Optional arguments come after required ones. */
  readonly optional?: boolean;
}

/** One `--option` (booleans are flags; strings take a value). */
export interface OptionSpec {
  /** The long name without dashes: `deploy` is `--deploy`. */
  readonly name: string;
  readonly type: 'boolean' | 'string';
  readonly help: string;
  /** A one-letter alias: `v` is `-v`. */
  readonly short?: string;
  /** Shown in help for string options, e.g. `--verbosity N`. */
  readonly metavar?: string;
  readonly default?: string | boolean;
}

/** Where a command writes; tests pass in collectors, the CLI passes process streams. */
export interface Output {
  write(text: string): unknown;
}

/** What a command runs with. `project` is set when started from a project's `manage.ts`. */
export interface CommandContext {
  readonly stdout: Output;
  readonly stderr: Output;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  /** The program name used in messages: `tsgi-admin` or `manage.ts`. */
  readonly prog: string;
  readonly project?: ProjectContext;
  /** Environment (defaults to process.env); tests override it. */
  readonly env: NodeJS.ProcessEnv;
}

/** A project as manage.ts describes it. */
export interface ProjectContext {
  /** Absolute directory holding manage.ts. */
  readonly baseDir: string;
  /** Absolute path of the settings module. */
  readonly settingsPath: string;
  /** `path/to/tsgi.ts:attribute`, absolute path; the module production serves. */
  readonly application: string;
}

/** Arguments after parsing: positionals by name, options by long name. */
export interface ParsedArguments {
  readonly args: Readonly<Record<string, string | undefined>>;
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
}

/** A management command, declared as data plus one `handle` function. */
export interface Command {
  readonly name: string;
  /** One line for the command list; the first sentence is used there. */
  readonly help: string;
  readonly args: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  /** True when the command needs a project (settings); tsgi-admin alone cannot run it. */
  readonly requiresProject: boolean;
  /** Returns the process exit code. Throw {@link CommandError} for a user-facing failure. */
  handle(context: CommandContext, parsed: ParsedArguments): Promise<number>;
}

/** What {@link defineCommand} accepts: `args`, `options`, `requiresProject` may be left out. */
export type CommandDefinition = Omit<Command, 'args' | 'options' | 'requiresProject'> &
  Partial<Pick<Command, 'args' | 'options' | 'requiresProject'>>;

/**
 * Fills the defaults of a command declaration.
 *
 * @example
 * ```ts
 * const cmd = defineCommand({ name: 'noop', help: 'Does nothing.', handle: async () => 0 });
 * ```
 */
export function defineCommand(definition: CommandDefinition): Command {
  return { args: [], options: [], requiresProject: false, ...definition };
}

/**
 * A failure the user can fix, printed as `CommandError: message` with exit code 1 (as Django's
 * `CommandError`), never as a stack trace.
 */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage (unknown option, missing argument): exit code 2, as argparse does. */
export class UsageError extends CommandError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

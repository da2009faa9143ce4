/**
 * Turns argv into {@link ParsedArguments} from a command's declaration, with node's
 * `util.parseArgs` doing the tokenising; every problem becomes a {@link UsageError} that names
 * the option or argument.
 * @module
 */
import { parseArgs } from 'node:util';
import type { Command, ParsedArguments } from './base.js';
import { UsageError } from './base.js';

/**
 * Parses `argv` (the words after the command name) against `command`'s declaration.
 *
 * @example
 * ```ts
 * parseCommandArguments(checkCommand, ['--deploy']).options.deploy; // true
 * ```
 */
export function parseCommandArguments(command: Command, argv: readonly string[]): ParsedArguments {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const spec of command.options) {
    options[spec.name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    // parseArgs messages are precise ("Unknown option '--x'"); keep them, drop its own hint text.
    const message = error instanceof Error ? error.message.split('. To specify')[0] ?? error.message : String(error);
    throw new UsageError(message.replace(/\.$/, ''));
  }
  const args: Record<string, string | undefined> = {};
  const positionals = parsed.positionals;
  const required = command.args.filter((a) => !a.optional).length;
  if (positionals.length < required) {
    const missing = command.args.slice(positionals.length).filter((a) => !a.optional).map((a) => a.name);
    throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  }
  if (positionals.length > command.args.length) {
    throw new UsageError(`unrecognized arguments: ${positionals.slice(command.args.length).join(' ')}`);
  }
  command.args.forEach((spec, i) => { args[spec.name] = positionals[i]; });
  const values: Record<string, string | boolean | undefined> = {};
  for (const spec of command.options) values[spec.name] = parsed.values[spec.name] ?? spec.default;
  return { args, options: values };
}

/** The usage line of one command: `usage: manage.ts check [--deploy] [--tag TAG]`. */
export function usageLine(prog: string, command: Command): string {
  const parts = [`usage: ${prog} ${command.name}`];
  for (const o of command.options) {
    parts.push(o.type === 'boolean' ? `[--${o.name}]` : `[--${o.name} ${o.metavar ?? o.name.toUpperCase()}]`);
  }
  for (const a of command.args) parts.push(a.optional ? `[${a.name}]` : a.name);
  return parts.join(' ');
}

/** The full help of one command: usage, description, arguments and options. */
export function commandHelp(prog: string, command: Command): string {
  const lines = [usageLine(prog, command), '', command.help];
  if (command.args.length > 0) {
    lines.push('', 'positional arguments:');
    for (const a of command.args) lines.push(`  ${a.name.padEnd(22)}${a.help}`);
  }
  lines.push('', 'options:', `  ${'-h, --help'.padEnd(22)}Show this help message and exit.`);
  for (const o of command.options) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.type === 'string' ? ` ${o.metavar ?? o.name.toUpperCase()}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    lines.push(`  ${flag.padEnd(22)}${o.help}${def}`);
  }
  return `${lines.join('\n')}\n`;
}

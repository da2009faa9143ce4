/**
 * Validation of project and app names, as Django's `TemplateCommand.validate_name`: a name
 * becomes a directory and an import path, so it must be an identifier and must not shadow a
 * Node built-in or a package the project could import.
 * @module
 */
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { CommandError } from './base.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Words that cannot name a module binding in TypeScript. */
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await').split(' '),
);

/**
 * Throws {@link CommandError} when `name` cannot be a project or app name.
 *
 * @example
 * ```ts
 * validateName('mysite', 'project', process.cwd()); // ok
 * validateName('http', 'project', process.cwd());   // throws: conflicts with a Node built-in
 * ```
 */
export function validateName(name: string | undefined, kind: 'project' | 'app', cwd: string): asserts name is string {
  if (!name) throw new CommandError(`you must provide ${kind === 'app' ? 'an app' : 'a project'} name`);
  if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
    throw new CommandError(
      `'${name}' is not a valid ${kind} name. Please make sure the name is a valid identifier ` +
        '(letters, digits and underscores, not starting with a digit, not a reserved word).',
    );
  }
  if (builtinModules.includes(name) || builtinModules.includes(`node:${name}`)) {
    throw new CommandError(
      `'${name}' conflicts with the name of a Node built-in module and cannot be used as ${kind === 'app' ? 'an app' : 'a project'} name. Please try another name.`,
    );
  }
  if (isImportable(name, cwd)) {
    throw new CommandError(
      `'${name}' conflicts with the name of an existing Node module and cannot be used as ${kind === 'app' ? 'an app' : 'a project'} name. Please try another name.`,
    );
  }
}

function isImportable(name: string, cwd: string): boolean {
  const require = createRequire(join(cwd, 'noop.js'));
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Module formats: an ES module compiled to CommonJS read as its author wrote it, and, when an app
 * file cannot be imported because its syntax and the format its name or package.json gives it
 * disagree, exactly what to change.
 *
 * What loads and what does not (tsx's rules for TypeScript, Node's for JavaScript):
 * - `.ts` written as ES modules loads whatever its package.json says: without `"type": "module"`
 *   tsx compiles it to CommonJS (as `tsx app.ts` does), except that top-level `await` cannot be
 *   CommonJS: that needs `"type": "module"` or the `.mts` extension.
 * - `.js` is served as Node serves it, untranslated (a built app runs as `node` runs it): ES module
 *   syntax in a package without a `type` is detected by Node 20.19+ and 22+ (with Node's warning),
 *   and refused under `"type": "commonjs"` or in a `.cjs` file.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** The nearest package.json above `file` and its `type` field, if there is one. */
export function packageScope(file: string): { readonly path: string; readonly type: string | undefined } | undefined {
  for (let dir = dirname(file), depth = 0; depth < 256; dir = dirname(dir), depth++) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(path, 'utf8')) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      return { path, type: typeof type === 'string' ? type : undefined };
    }
    if (dirname(dir) === dir) return undefined;
  }
  return undefined;
}

const ESM_SYNTAX_IN_CJS = /Cannot use import statement outside a module|Unexpected token 'export'|import\.meta.* outside a module/;
const TOP_LEVEL_AWAIT_IN_CJS = /Top-level await is currently not supported with the "cjs" output format|ERR_REQUIRE_ASYNC_MODULE/;

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return `${(err as { code?: unknown }).code ?? ''} ${err.message}`;
}

/** "set "type": "module" in PATH", or how to create that file when there is none. */
function typeModuleFix(file: string): string {
  const scope = packageScope(file);
  if (scope === undefined) return `create ${join(dirname(file), 'package.json')} containing { "type": "module" }`;
  return `set "type": "module" in ${scope.path}${scope.type === undefined ? '' : ` (it says "type": ${JSON.stringify(scope.type)})`}`;
}

/**
 * The change that makes `file` importable, when `err` (from importing it) is a module-format
 * mismatch; `undefined` for any other error.
 *
 * @example
 * ```ts
 * moduleFormatFix('/srv/app/app.js', new SyntaxError('Cannot use import statement outside a module'));
 * // 'app.js uses ES module syntax (import/export) but is loaded as CommonJS: set "type": "module" in /srv/app/package.json ...'
 * ```
 */
export function moduleFormatFix(file: string, err: unknown): string | undefined {
  const text = errorText(err);
  const ext = extname(file);
  const name = basename(file);
  if (TOP_LEVEL_AWAIT_IN_CJS.test(text)) {
    const rename = ext === '.ts' || ext === '.tsx' ? ` or rename it to ${basename(file, ext)}.mts` : '';
    return `${name} (or a file it imports) uses top-level await, which a CommonJS module cannot: ${typeModuleFix(file)}${rename}`;
  }
  if (!ESM_SYNTAX_IN_CJS.test(text)) return undefined;
  if (ext === '.cjs') return `${name} uses ES module syntax (import/export) but a .cjs file is always CommonJS: rename it to ${basename(file, ext)}.mjs`;
  return `${name} (or a file it imports) uses ES module syntax (import/export) but is loaded as CommonJS: ${typeModuleFix(file)}, or rename the file to .mjs`;
}

/**
 * A module's exports as its author wrote them. A CommonJS module compiled from an ES module (tsx's
 * output for a `.ts` file outside a `"type": "module"` package, or tsc's) marks `module.exports` with
 * `__esModule`: that object is the real namespace and its `default` the default export (Babel's and
 * esbuild's interop rule), while Node's namespace for it has `module.exports` as `default` and may
 * list nothing else (when tsx is registered at run time).
 *
 * @example
 * ```ts
 * const mod = moduleExports(await import(url)); // mod.default is the author's default export
 * ```
 */
export function moduleExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const inner = namespace.default;
  if (inner !== null && typeof inner === 'object' && (inner as { __esModule?: unknown }).__esModule === true) return inner as Record<string, unknown>;
  return namespace;
}

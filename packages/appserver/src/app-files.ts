/**
 * The files an app is made of, for `--reload`: the app module and every file it imports, found
 * as esbuild resolves them (a bundle that is never written: only its metafile is read), minus
 * packages (`node_modules`).
 *
 * Why esbuild: it is the compiler tsx runs the app with, so it resolves as loading does (`./x.js`
 * that is `x.ts`, index files, tsconfig paths, `import()` of a literal, `require()` of a compiled
 * CommonJS `.ts`) and parses TypeScript, without running the app (about 250 ms). The alternatives
 * cost more or lose files: a recursive fs.watch of the project (on Linux since Node 19.1)
 * cannot leave node_modules out: Node walks the tree and adds a watch per directory, which took
 * 2.5 s, blocking the event loop, for this repository's 1,500 directories; recording the imports
 * with a module hook in each worker misses what tsx turns into `require()` (Node 20's module hooks
 * do not see require() inside CommonJS) and needs a new message from every worker. Missed here:
 * an `import()` of a computed path, and files read at run time: `--reload-extra-file` names those.
 * @module
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Extensions esbuild reads for imports; any other imported file is listed but not parsed. */
const PARSED = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '.json']);

/** Other imported files (.node, .wasm, .css...) are part of the app, but have no imports to follow. */
const opaqueOthers: Plugin = {
  name: 'tsgi-opaque-others',
  setup(b) {
    b.onLoad({ filter: /.*/ }, (args) => (PARSED.has(extname(args.path)) ? undefined : { contents: '', loader: 'empty' }));
  },
};

/** Why the files could not be listed (a syntax error, an import that does not resolve). */
export class AppFilesError extends Error {
  override readonly name = 'AppFilesError';
}

/**
 * Lists the absolute paths of `appFile` and the files it imports, outside node_modules.
 * Rejects with an {@link AppFilesError} naming the first problem (file:line: text).
 *
 * @example
 * ```ts
 * const files = await appFiles('/srv/site/app.ts', '/srv/site'); // ['/srv/site/app.ts', '/srv/site/lib/db.ts']
 * ```
 */
export async function appFiles(appFile: string, cwd: string): Promise<string[]> {
  let inputs: string[];
  try {
    const result = await build({
      entryPoints: [appFile],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
      plugins: [opaqueOthers],
    });
    inputs = Object.keys(result.metafile.inputs);
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location: { file: string; line: number } | null }> }).errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new AppFilesError(first ? `${where}${first.text}` : String(err), { cause: err });
  }
  // Inputs are paths relative to absWorkingDir; other namespaces ("ns:path") are not files.
  return inputs
    .map((input) => (isAbsolute(input) ? input : resolve(cwd, input)))
    .filter((path) => !/[/\\]node_modules[/\\]/.test(path) && existsSync(path));
}

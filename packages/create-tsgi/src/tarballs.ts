/**
 * `--from DIR`: a new project depends on the tarballs `npm run pack` wrote instead of the
 * registry, so the packages can be tried before (or without) publishing them.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateError } from './create-error.js';

/** npm pack's file name: `name-1.2.3.tgz` (a scope's `@s/n` is written `s-n`). */
const TARBALL = /^(.+)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.tgz$/;

/** The package.json fields this rewrites. */
export interface Manifest {
  dependencies?: Record<string, string>;
  overrides?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * Package name -> `file:` spec of its tarball in `dir` (absolute, so the project can move
 * within the machine). Throws {@link CreateError} when `dir` is missing, holds no tarball, or
 * holds two versions of one package.
 *
 * @example
 * ```ts
 * await findTarballs('/home/me/packs'); // Map { 'tsgi' => 'file:/home/me/packs/tsgi-0.1.0.tgz', ... }
 * ```
 */
export async function findTarballs(dir: string): Promise<Map<string, string>> {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = await readdir(abs);
  } catch {
    throw new CreateError(`--from ${abs}: not a readable directory (make the tarballs with \`npm run pack\` in the tsgi repository)`);
  }
  const found = new Map<string, string>();
  for (const name of names.sort()) {
    const match = TARBALL.exec(name);
    if (match === null) continue;
    const pkg = match[1]!;
    const previous = found.get(pkg);
    if (previous !== undefined) throw new CreateError(`--from ${abs}: two tarballs of ${pkg} (${previous.slice('file:'.length)} and ${name}); keep one`);
    found.set(pkg, `file:${join(abs, name)}`);
  }
  if (found.size === 0) throw new CreateError(`--from ${abs}: no package tarballs (*-VERSION.tgz) there`);
  return found;
}

/**
 * The manifest with each tsgi dependency pointing at its tarball, and every tarball pinned by
 * `overrides` too, so the packages' dependencies on each other (tsgi-appserver -> tsgi-head-gate)
 * resolve to the tarballs rather than the registry. Throws {@link CreateError} naming a tsgi
 * dependency that has no tarball.
 *
 * @example
 * ```ts
 * dependOnTarballs({ dependencies: { tsgi: '^0.1.0', tsx: '^4' } }, tarballs);
 * // { dependencies: { tsgi: 'file:/packs/tsgi-0.1.0.tgz', tsx: '^4' }, overrides: { tsgi: 'file:...', 'tsgi-head-gate': 'file:...' } }
 * ```
 */
export function dependOnTarballs(manifest: Manifest, tarballs: ReadonlyMap<string, string>): Manifest {
  const dependencies = { ...manifest.dependencies };
  const missing: string[] = [];
  for (const name of Object.keys(dependencies)) {
    const spec = tarballs.get(name);
    if (spec !== undefined) dependencies[name] = spec;
    else if (name === 'tsgi' || name.startsWith('tsgi-')) missing.push(name);
  }
  if (missing.length > 0) throw new CreateError(`--from: no tarball for ${missing.join(', ')} (run \`npm run pack\` in the tsgi repository and point --from at its output)`);
  // npm requires an override of a direct dependency to equal its spec: it does, by construction.
  // create-tsgi itself is not a dependency of the project.
  const pinned = [...tarballs].filter(([name]) => name !== 'create-tsgi');
  return { ...manifest, dependencies, overrides: { ...manifest.overrides, ...Object.fromEntries(pinned) } };
}

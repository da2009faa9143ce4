/**
 * `npm run pack`: builds every package and writes the tarball `npm publish` would upload for each
 * published workspace into one folder (default `.packs/`), so the packages install before they
 * are on the registry: `npx create-tsgi mysite --from .packs` (or `CREATE_TSGI_FROM`).
 * Refuses (exit 1) when a package depends on another workspace at a version other than the
 * one that workspace has: the tarballs must install together.
 *
 * Usage: `npm run pack -- [--out DIR] [--no-build]` (DIR relative to where npm was run)
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The package.json fields packing reads. */
export interface WorkspaceManifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Every workspace (private ones too: their versions are checked), in the root's order. */
export function workspaces(): Array<{ dir: string; manifest: WorkspaceManifest }> {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return rootManifest.workspaces.map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as WorkspaceManifest }));
}

/** One line per runtime dependency on a workspace at another version; empty when consistent. */
export function versionProblems(manifests: readonly WorkspaceManifest[]): string[] {
  const versions = new Map(manifests.map((m) => [m.name, m.version]));
  const problems: string[] = [];
  for (const manifest of manifests) {
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
      for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
        const version = versions.get(name);
        if (version !== undefined && spec !== version) problems.push(`${manifest.name} ${field}: ${name}@${spec}, but the workspace is ${version}: pin it to ${version}`);
      }
    }
  }
  return problems;
}

/** Packs every published workspace into `out`; returns the tarballs' paths. */
export function packAll(out: string, build: boolean): string[] {
  const all = workspaces();
  const problems = versionProblems(all.map((w) => w.manifest));
  if (problems.length > 0) throw new Error(`inter-package versions disagree:\n  ${problems.join('\n  ')}`);
  if (build) execFileSync(npm, ['exec', '--', 'tsc', '-b'], { cwd: root, stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const published = all.filter(({ manifest }) => manifest.private !== true);
  // A stale tarball of another version would make `create-tsgi --from` refuse the folder.
  for (const file of readdirSync(out)) {
    if (file.endsWith('.tgz') && published.some(({ manifest }) => file.startsWith(`${manifest.name}-`))) rmSync(join(out, file));
  }
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', out, ...published.flatMap(({ dir }) => ['--workspace', dir])];
  const packed = JSON.parse(execFileSync(npm, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Array<{ filename: string }>;
  return packed.map(({ filename }) => join(out, filename));
}

function main(): number {
  const { values } = parseArgs({ options: { out: { type: 'string', default: '.packs' }, 'no-build': { type: 'boolean', default: false } } });
  try {
    for (const file of packAll(resolve(process.env.INIT_CWD ?? process.cwd(), values.out), !values['no-build'])) console.log(file);
    return 0;
  } catch (error) {
    console.error(`pack: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();

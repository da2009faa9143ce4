/**
 * Test discovery for `manage.ts test` (Django's `DiscoverRunner`): the files under a directory
 * whose names match a pattern (`*.test.ts` by default), skipping `node_modules`, hidden
 * directories and the directories given as `exclude` (STATIC_ROOT), sorted for a stable order.
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/** Directories deeper than this are not searched (a symlink loop must not hang discovery). */
const MAX_DEPTH = 32;
/** Discovery stops with an error past this many files (a wrong start directory, e.g. `/`). */
const MAX_FILES_SEEN = 200_000;

/**
 * A shell-style pattern on the file name: `*` any run of characters, `?` one character;
 * everything else literal (Django's `-p 'test*.py'`).
 *
 * @example
 * ```ts
 * globToRegExp('*.test.ts').test('views.test.ts'); // true
 * ```
 */
export function globToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** Options of {@link discoverTestFiles}. */
export interface DiscoverOptions {
  /** File-name pattern (default `*.test.ts`). */
  readonly pattern?: string;
  /** Absolute directories not searched. */
  readonly exclude?: readonly string[];
}

/**
 * The test files at or under `start` (a file is taken as is when it matches the pattern).
 *
 * @example
 * ```ts
 * await discoverTestFiles('/srv/mysite', { pattern: '*.test.ts' }); // ['/srv/mysite/polls/views.test.ts', ...]
 * ```
 */
export async function discoverTestFiles(start: string, options: DiscoverOptions = {}): Promise<string[]> {
  const matcher = globToRegExp(options.pattern ?? '*.test.ts');
  const exclude = new Set((options.exclude ?? []).map((d) => resolve(d)));
  const root = resolve(start);
  if ((await stat(root)).isFile()) return matcher.test(basename(root)) ? [root] : [];
  const found: string[] = [];
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || exclude.has(dir)) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (++seen > MAX_FILES_SEEN) throw new Error(`more than ${MAX_FILES_SEEN} files under ${root}: is this the project?`);
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        await walk(full, depth + 1);
      } else if (entry.isFile() && matcher.test(entry.name)) {
        found.push(full);
      }
    }
  };
  await walk(root, 0);
  return found.sort();
}

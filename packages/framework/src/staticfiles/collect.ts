/**
 * collectstatic: copies every static file the finders know into STATIC_ROOT, where the web
 * server serves them in production, and beside each one its content-hashed copy, with the
 * manifest `staticfiles.json` naming them (see manifest.ts). Unchanged files (same size, not
 * older) are skipped, a hashed copy that exists is never rewritten (its name is its content)
 * and the manifest is written only when its bytes change: a second run changes nothing.
 * @module
 */
import { copyFile, mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Settings } from '../conf/settings.js';
import type { FoundFile } from './finders.js';
import { listStaticFiles, staticSources } from './finders.js';
import { MANIFEST_NAME, hashFiles, manifestText } from './manifest.js';

/** Options of {@link collectStatic}. */
export interface CollectOptions {
  /** Delete STATIC_ROOT's contents first. */
  readonly clear?: boolean;
  /** Report what would be copied, write nothing. */
  readonly dryRun?: boolean;
}

/** What collectstatic did. */
export interface CollectResult {
  readonly root: string;
  readonly copied: string[];
  readonly unmodified: string[];
  /** Hashed copies written this run (hashed static paths). */
  readonly hashed: string[];
  /** Whether `staticfiles.json` was (or, in a dry run, would be) written. */
  readonly manifestWritten: boolean;
  /** Paths found in more than one source; the first source's copy was used. */
  readonly shadowed: FoundFile[];
}

/**
 * Copies the project's static files into `settings.STATIC_ROOT` (which must be set).
 *
 * @example
 * ```ts
 * const { copied } = await collectStatic(settings);
 * ```
 */
export async function collectStatic(settings: Settings, options: CollectOptions = {}): Promise<CollectResult> {
  const root = settings.STATIC_ROOT;
  if (!root) throw new Error('STATIC_ROOT is not set');
  const found = await listStaticFiles(staticSources(settings));
  // The manifest's own name is the framework's: a source file by that name would be overwritten.
  const files = found.files.filter((f) => f.path !== MANIFEST_NAME);
  const { shadowed } = found;
  if (options.clear && !options.dryRun) await rm(root, { recursive: true, force: true });
  const copied: string[] = [];
  const unmodified: string[] = [];
  for (const file of files) {
    const target = join(root, ...file.path.split('/'));
    const source = await stat(file.absolute);
    let upToDate = false;
    try {
      const existing = await stat(target);
      upToDate = existing.size === source.size && Math.floor(existing.mtimeMs) >= Math.floor(source.mtimeMs);
    } catch {
      // not copied yet
    }
    if (upToDate) {
      unmodified.push(file.path);
      continue;
    }
    if (!options.dryRun) await copyKeepingMtime(file.absolute, target, source);
    copied.push(file.path);
  }
  const { paths, css } = await hashFiles(files, settings.STATIC_URL);
  const hashed: string[] = [];
  for (const file of files) {
    const name = paths[file.path] as string;
    const target = join(root, ...name.split('/'));
    if (await exists(target)) continue;
    hashed.push(name);
    if (options.dryRun) continue;
    const text = css.get(file.path);
    if (text === undefined) await copyKeepingMtime(file.absolute, target, await stat(file.absolute));
    else await writeAtomically(target, text);
  }
  const manifestWritten = await writeManifest(join(root, MANIFEST_NAME), manifestText(paths), options.dryRun === true);
  return { root, copied, unmodified, shadowed, hashed, manifestWritten };
}

/** Copies a file, keeping the source's mtime. */
async function copyKeepingMtime(from: string, to: string, source: { atime: Date; mtimeMs: number }): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
  // Keep the source's mtime (to the millisecond) so the copy's Last-Modified/ETag match what
  // runserver served. Mid-millisecond on purpose: utimes takes float seconds and truncates to
  // nanoseconds, so a Date of exactly N ms can land at N-1 ms + 999999 ns and look older.
  const mtime = (Math.floor(source.mtimeMs) + 0.5) / 1000;
  await utimes(to, source.atime, mtime);
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Writes through a temporary name and a rename, so a reader never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/** Writes the manifest unless it already holds exactly `text` (so its mtime says when it last changed). */
async function writeManifest(path: string, text: string, dryRun: boolean): Promise<boolean> {
  let current: string | null = null;
  try {
    current = await readFile(path, 'utf8');
  } catch {
    // first run
  }
  if (current === text) return false;
  if (!dryRun) await writeAtomically(path, text);
  return true;
}

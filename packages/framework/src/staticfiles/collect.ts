/**
 * collectstatic: copies every static file the finders know into STATIC_ROOT, where the web
 * server serves them in production. Unchanged files (same size, not older) are skipped, so
 * running it on every deploy is cheap.
 * @module
 */
import { copyFile, mkdir, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Settings } from '../conf/settings.js';
import type { FoundFile } from './finders.js';
import { listStaticFiles, staticSources } from './finders.js';

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
  const { files, shadowed } = await listStaticFiles(staticSources(settings));
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
    if (!options.dryRun) {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file.absolute, target);
      // Keep the source's mtime (to the millisecond) so the copy's Last-Modified/ETag match what
      // runserver served. Mid-millisecond on purpose: utimes takes float seconds and truncates to
      // nanoseconds, so a Date of exactly N ms can land at N-1 ms + 999999 ns and look older.
      const mtime = (Math.floor(source.mtimeMs) + 0.5) / 1000;
      await utimes(target, source.atime, mtime);
    }
    copied.push(file.path);
  }
  return { root, copied, unmodified, shadowed };
}

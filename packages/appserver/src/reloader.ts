/**
 * `--reload` (development): watches the app's files and asks the arbiter for a reload when one
 * changes; the arbiter replaces the workers as on HUP, and keeps the old ones serving when the new
 * ones cannot boot (a syntax error), logging why.
 *
 * Lifecycle: start -> list the app's files (app-files.ts) -> watch their directories -> on events,
 * wait for the burst to end -> onChange -> list the files again (an edit may add or drop imports)
 * -> ... -> close.
 *
 * Directories are watched, not files: editors save by writing a new file and renaming it over the
 * old one, and a watch on the old file would go quiet after the first save.
 * @module
 */
import { watch, statSync, type FSWatcher } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { appFiles } from './app-files.js';
import { parseAppSpec, resolveAppFile } from './loader.js';
import type { ServerLogger } from './logger.js';
import type { AppserverSettings } from './settings.js';

/** Quiet time after the last change event before reloading: an editor's save is a burst of events (write, rename, chmod) within a few ms. */
const SETTLE_MS = 200;
/** A burst that goes on longer (a checkout, a build writing files) reloads anyway after this long. */
const MAX_WAIT_MS = 2000;

/** What a {@link Reloader} watches and whom it tells. */
export interface ReloaderOptions {
  /** The app module (absolute). */
  readonly appFile: string;
  /** Where relative paths start (the server's working directory). */
  readonly cwd: string;
  /** `--reload-extra-file` paths: files, or directories whose direct entries are watched. */
  readonly extraFiles: readonly string[];
  readonly log: ServerLogger;
  /** Called once per burst of changes, with the changed paths (absolute). */
  readonly onChange: (changed: readonly string[]) => void;
}

/**
 * Watches the app's files; see the module comment.
 *
 * @example
 * ```ts
 * const reloader = await Reloader.start({ appFile, cwd, extraFiles: [], log, onChange: () => arbiter.requestReload() });
 * // ... at exit:
 * reloader.close();
 * ```
 */
export class Reloader {
  readonly #options: ReloaderOptions;
  /** Watched files (absolute): a change of one of these names reloads. */
  #files = new Set<string>();
  /** Watched directories given with --reload-extra-file: a change of anything in them reloads. */
  readonly #wholeDirs = new Set<string>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #changed = new Set<string>();
  #settle: NodeJS.Timeout | undefined;
  #firstChange = 0;
  #closed = false;

  private constructor(options: ReloaderOptions) {
    this.#options = options;
  }

  /** Lists the app's files and starts watching them. */
  static async start(options: ReloaderOptions): Promise<Reloader> {
    const reloader = new Reloader(options);
    for (const path of options.extraFiles.map((p) => resolve(options.cwd, p))) {
      if (isDirectory(path)) reloader.#wholeDirs.add(path);
    }
    await reloader.#refresh();
    return reloader;
  }

  /** The files watched now (absolute), sorted; for the log and tests. */
  get files(): string[] {
    return [...this.#files].sort();
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#settle);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  /** Lists the files again and watches the directories they are in. */
  async #refresh(): Promise<void> {
    const { appFile, cwd, extraFiles, log } = this.#options;
    const extras = extraFiles.map((p) => resolve(cwd, p)).filter((p) => !this.#wholeDirs.has(p));
    let found: string[];
    try {
      found = await appFiles(appFile, cwd);
    } catch (err) {
      // A syntax error being fixed: keep what was watched (the broken file is among it).
      log.warn('--reload: cannot list the files the app imports (%s); still watching the %d file(s) found before', err instanceof Error ? err.message : String(err), this.#files.size);
      found = [...this.#files, appFile];
    }
    if (this.#closed) return;
    this.#files = new Set([...found, ...extras]);
    const dirs = new Set([...[...this.#files].map((f) => dirname(f)), ...this.#wholeDirs]);
    for (const [dir, w] of this.#watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      this.#watchers.delete(dir);
    }
    for (const dir of dirs) if (!this.#watchers.has(dir)) this.#watch(dir);
    log.debug('--reload: watching %d file(s) in %d directory(ies)', this.#files.size, this.#watchers.size);
  }

  #watch(dir: string): void {
    try {
      // Not persistent: the watcher never keeps the master alive.
      const w = watch(dir, { persistent: false }, (_event, name) => this.#onEvent(dir, name));
      w.on('error', (err) => {
        this.#options.log.warn('--reload: stopped watching %s: %s', dir, err.message);
        w.close();
        this.#watchers.delete(dir);
      });
      this.#watchers.set(dir, w);
    } catch (err) {
      this.#options.log.warn('--reload: cannot watch %s: %s', dir, err instanceof Error ? err.message : String(err));
    }
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    const path = name === null ? dir : join(dir, name.toString());
    if (!this.#wholeDirs.has(dir) && !this.#files.has(path)) return;
    this.#changed.add(path);
    const now = Date.now();
    if (this.#settle === undefined) this.#firstChange = now;
    clearTimeout(this.#settle);
    const wait = Math.max(0, Math.min(SETTLE_MS, this.#firstChange + MAX_WAIT_MS - now));
    this.#settle = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#settle = undefined;
    const changed = [...this.#changed];
    this.#changed.clear();
    const { cwd, log, onChange } = this.#options;
    log.info('--reload: %s changed; replacing the workers', changed.map((p) => relative(cwd, p) || p).join(', '));
    onChange(changed);
    void this.#refresh();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Starts the `--reload` watcher for these settings' app and extra files.
 *
 * @example
 * ```ts
 * const reloader = settings.reload ? await startReloader(settings, log, () => arbiter.requestReload()) : undefined;
 * ```
 */
export async function startReloader(settings: AppserverSettings, log: ServerLogger, reload: () => void): Promise<Reloader | undefined> {
  if (settings.app === null) return undefined;
  const cwd = process.cwd();
  const reloader = await Reloader.start({
    appFile: resolveAppFile(parseAppSpec(settings.app).file, cwd),
    cwd,
    extraFiles: settings.reloadExtraFiles,
    log,
    onChange: reload,
  });
  log.info('--reload: watching %d file(s) for changes', reloader.files.length);
  return reloader;
}

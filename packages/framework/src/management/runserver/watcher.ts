/**
 * Watches a project's source files for runserver's autoreloader (Django's `StatReloader`
 * driven by events): `fs.watch` on every directory (node_modules, dot-directories and ignored
 * paths skipped, so a symlinked node_modules is never walked), debounced, then a stat snapshot
 * compared with the previous one, so editors' temp files and touch-without-change never
 * restart the server.
 * @module
 */
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Options of {@link ProjectWatcher}. */
export interface WatcherOptions {
  /** Absolute paths never watched (e.g. STATIC_ROOT). */
  readonly ignore?: readonly string[];
  /** File extensions that trigger a reload. */
  readonly extensions?: readonly string[];
  /** Quiet time after the last event before the snapshot is taken. */
  readonly debounceMs?: number;
  /**
   * A full rescan this often as a backstop (Django's StatReloader polls every second): fs.watch
   * can miss events (inotify watch limits, network filesystems). 0 turns it off. Default 2000.
   */
  readonly pollMs?: number;
  /** Called with the changed (added, modified or removed) files. */
  readonly onChange: (files: string[]) => void;
}

const DEFAULT_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];
/** Directories never descended into. */
const SKIP_DIR = /^(node_modules|\..*|dist|coverage)$/;
/** More directories than this and the project is probably not what we think it is. */
const MAX_DIRS = 5000;

/**
 * @example
 * ```ts
 * const watcher = new ProjectWatcher('/srv/mysite', { onChange: (files) => console.log(files) });
 * await watcher.start();
 * ```
 */
export class ProjectWatcher {
  readonly #root: string;
  readonly #options: WatcherOptions;
  readonly #extensions: Set<string>;
  readonly #watchers = new Map<string, FSWatcher>();
  #snapshot = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #poller: NodeJS.Timeout | undefined;
  #scanning = false;
  #dirty = false;
  #closed = false;

  constructor(root: string, options: WatcherOptions) {
    this.#root = root;
    this.#options = options;
    this.#extensions = new Set(options.extensions ?? DEFAULT_EXTENSIONS);
  }

  /** Takes the first snapshot and starts watching. */
  async start(): Promise<void> {
    this.#snapshot = await this.#scan();
    const pollMs = this.#options.pollMs ?? 2000;
    if (pollMs > 0) {
      this.#poller = setInterval(() => void this.#rescan(), pollMs);
      this.#poller.unref();
    }
  }

  /** The files currently watched (for messages and tests). */
  get files(): string[] {
    return [...this.#snapshot.keys()];
  }

  /** Stops every fs watcher. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#poller);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#rescan(), this.#options.debounceMs ?? 150);
  }

  async #rescan(): Promise<void> {
    if (this.#closed) return;
    if (this.#scanning) {
      this.#dirty = true;
      return;
    }
    this.#scanning = true;
    try {
      const next = await this.#scan();
      const changed: string[] = [];
      for (const [file, sig] of next) if (this.#snapshot.get(file) !== sig) changed.push(file);
      for (const file of this.#snapshot.keys()) if (!next.has(file)) changed.push(file);
      this.#snapshot = next;
      if (changed.length > 0 && !this.#closed) this.#options.onChange(changed.sort());
    } finally {
      this.#scanning = false;
      if (this.#dirty) {
        this.#dirty = false;
        this.#schedule();
      }
    }
  }

  async #scan(): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const seenDirs = new Set<string>();
    const ignore = new Set(this.#options.ignore ?? []);
    const visit = async (dir: string): Promise<void> => {
      if (seenDirs.size >= MAX_DIRS || ignore.has(dir)) return;
      seenDirs.add(dir);
      this.#watchDir(dir);
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // removed meanwhile
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!SKIP_DIR.test(entry.name)) await visit(path);
        } else if (this.#extensions.has(extname(entry.name))) {
          try {
            const info = await stat(path);
            files.set(path, `${info.size}:${info.mtimeMs}`);
          } catch {
            // removed meanwhile
          }
        }
      }
    };
    await visit(this.#root);
    // Directories that disappeared: stop watching them.
    for (const [dir, w] of this.#watchers) {
      if (!seenDirs.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    return files;
  }

  #watchDir(dir: string): void {
    if (this.#closed || this.#watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, () => this.#schedule());
      w.on('error', () => {
        w.close();
        this.#watchers.delete(dir);
        this.#schedule();
      });
      this.#watchers.set(dir, w);
    } catch {
      // a directory we may not read; its files are still stat-ed on the next scan
    }
  }
}

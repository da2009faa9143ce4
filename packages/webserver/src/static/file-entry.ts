/**
 * One file as the handler knows it: identity (device, inode, size, mtime), validators in nginx's
 * format, its media type, and either its bytes (small files) or a shared open descriptor (large
 * files, read with positional reads by any number of concurrent streams).
 *
 * A descriptor is reference-counted: eviction or a change on disk "retires" it and the last
 * stream to finish closes it, so a response in flight keeps reading the file it started with.
 * @module
 */
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { formatHttpDate } from './http-date.js';

/** A descriptor shared by the streams of one cached file. */
export class SharedHandle {
  #refs = 1; // the cache's own reference
  #retired = false;
  constructor(readonly handle: FileHandle) {}

  get fd(): number {
    return this.handle.fd;
  }

  /** Takes a reference for one stream; false when the handle is retired (open a fresh one). */
  acquire(): boolean {
    if (this.#retired) return false;
    this.#refs++;
    return true;
  }

  release(): void {
    if (--this.#refs === 0) void this.handle.close().catch(() => {});
  }

  /** True once the cache let go of the file (evicted or changed on disk). */
  get retired(): boolean {
    return this.#retired;
  }

  /** Drops the cache's reference: closed now, or when the last stream ends. */
  retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    this.release();
  }
}

/** A file ready to be served. */
export interface FileEntry {
  /** The path that was opened. */
  readonly fsPath: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Whole seconds, as Last-Modified and the ETag carry them. */
  readonly mtime: number;
  /** nginx's strong ETag: `"<mtime hex>-<size hex>"`. */
  readonly etag: string;
  readonly lastModified: string;
  /**
   * The bytes: read at once for files up to `memoryMaxFileSize`, or later for a large file that
   * turned out to be hot (see `RouteCache.noteStreamed`), while the memory budget allows.
   */
  body: Buffer | undefined;
  /** Flags to open `fsPath` again (when the shared descriptor is not available). */
  readonly openFlags: number;
  /** Bytes of the memory budget this entry holds (given back on release). */
  memoryHeld: number;
  /** Whole-file responses streamed from disk so far (for hot-file promotion). */
  streamed: number;
  /** A promotion to memory is under way. */
  promoting: boolean;
  /** A shared descriptor for larger files (while the descriptor budget allows). */
  readonly shared: SharedHandle | undefined;
}

/** nginx's ETag format (`ngx_http_set_etag`), so caches keep validating across a migration. */
export function nginxEtag(mtime: number, size: number): string {
  return `"${mtime.toString(16)}-${size.toString(16)}"`;
}

/** True when `stats` still describes the file behind `entry`. */
export function sameFile(entry: FileEntry, stats: Stats): boolean {
  return entry.ino === stats.ino && entry.dev === stats.dev && entry.size === stats.size && entry.mtimeMs === stats.mtimeMs;
}

/** Budgets shared by every entry of one handler. */
export interface EntryBudget {
  memoryMaxFileSize: number;
  memoryBytesLeft: number;
  descriptorsLeft: number;
}

/**
 * Ceilings over the whole process, above the per-handler budgets: the server builds one handler
 * per location, and many locations must not multiply the memory and descriptors held. A server
 * may lower or raise them at start-up.
 */
export const PROCESS_LIMITS = { memoryBytes: 256 * 1024 * 1024, descriptors: 2048, compressedBytes: 128 * 1024 * 1024 };
const used = { memoryBytes: 0, descriptors: 0 };

/** Reserves `n` bytes of body memory from the handler's and the process's budgets. */
export function takeMemory(budget: EntryBudget, n: number): boolean {
  if (n > budget.memoryBytesLeft || used.memoryBytes + n > PROCESS_LIMITS.memoryBytes) return false;
  budget.memoryBytesLeft -= n;
  used.memoryBytes += n;
  return true;
}

export function giveMemory(budget: EntryBudget, n: number): void {
  budget.memoryBytesLeft += n;
  used.memoryBytes -= n;
}

function takeDescriptor(budget: EntryBudget): boolean {
  if (budget.descriptorsLeft <= 0 || used.descriptors >= PROCESS_LIMITS.descriptors) return false;
  budget.descriptorsLeft--;
  used.descriptors++;
  return true;
}

/**
 * Opens (with `flags`) and reads (small) or keeps open (large) the file at `fsPath`. Returns undefined when it
 * is no longer a regular file. The fstat of the opened descriptor is the truth: the bytes served
 * and the headers describe the same file.
 */
export async function loadFileEntry(fsPath: string, budget: EntryBudget, flags: number): Promise<FileEntry | undefined> {
  const fh = await open(fsPath, flags);
  let keep = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    let body: Buffer | undefined;
    let shared: SharedHandle | undefined;
    let size = st.size;
    let memoryHeld = 0;
    if (size <= budget.memoryMaxFileSize && takeMemory(budget, size)) {
      memoryHeld = size;
      try {
        body = await fh.readFile();
      } catch (err) {
        giveMemory(budget, memoryHeld);
        throw err;
      }
      size = body.length; // a file written as we read: serve what was read, consistently
    } else if (takeDescriptor(budget)) {
      shared = new SharedHandle(fh);
      keep = true;
    }
    const mtime = Math.floor(st.mtimeMs / 1000);
    return {
      fsPath,
      dev: st.dev,
      ino: st.ino,
      size,
      mtimeMs: st.mtimeMs,
      mtime,
      etag: nginxEtag(mtime, size),
      lastModified: formatHttpDate(mtime),
      body,
      shared,
      openFlags: flags,
      memoryHeld,
      streamed: 0,
      promoting: false,
    };
  } finally {
    if (!keep) await fh.close().catch(() => {});
  }
}

/** Gives an entry's memory and descriptor back to the budget. */
export function releaseFileEntry(entry: FileEntry, budget: EntryBudget): void {
  if (entry.memoryHeld > 0) {
    giveMemory(budget, entry.memoryHeld);
    entry.memoryHeld = 0;
  }
  if (entry.shared !== undefined && !entry.shared.retired) {
    budget.descriptorsLeft++;
    used.descriptors--;
    entry.shared.retire();
  }
}

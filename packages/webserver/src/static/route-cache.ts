/**
 * The open-file cache (nginx `open_file_cache`): URL path -> what to answer, trusted for
 * `validMs`, then checked again with one stat (the file's bytes are kept when its identity —
 * device, inode, size, mtime — did not change). Bounded LRU by entries; file bodies by bytes;
 * open descriptors by count. Concurrent misses for one path share one lookup.
 *
 * A fresh hit is answered synchronously (`lookup`); `resolve` stats and reads for a miss.
 * @module
 */
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import mime from 'mime-types';
import { isCompressibleType } from './compression.js';
import type { EntryBudget, FileEntry, SharedHandle } from './file-entry.js';
import { giveMemory, loadFileEntry, releaseFileEntry, sameFile, takeMemory } from './file-entry.js';
import { Lru } from './lru.js';
import type { ResolvedStaticOptions, StaticEncoding } from './options.js';
import type { PathResolver } from './resolver.js';

/** A precompressed sibling (`file.br`, `file.gz`) with its prepared headers. */
export interface Sibling {
  readonly encoding: StaticEncoding;
  readonly file: FileEntry;
  /** Validators and caching headers, without Content-Type/Length (see {@link FileRoute.tail}). */
  readonly tail: readonly string[];
}

/** A file to serve, with everything that does not depend on the request prepared. */
export interface FileRoute {
  readonly kind: 'file';
  readonly checkedAt: number;
  /** Set when the URL named a directory and this is its index file. */
  readonly directory: string | undefined;
  readonly file: FileEntry;
  /** Content-Type value (with charset for text). */
  readonly type: string;
  /** Compressible on the fly (type listed, size within bounds, compression on). */
  readonly compressible: boolean;
  /** Present precompressed siblings, br first. */
  readonly siblings: readonly Sibling[];
  readonly siblingEncodings: readonly StaticEncoding[];
  /** Any alternative representation exists: `Vary: Accept-Encoding` on every answer. */
  readonly vary: boolean;
  /** Hashed name with `immutable` on: one-year caching, no Expires. */
  readonly immutable: boolean;
  readonly cacheControl: string | undefined;
  /** The identity 200 headers as a flat array, for `res.writeHead(200, headers)`. */
  readonly headers: readonly string[];
  /** Identity headers after Content-Type/Length: validators, Accept-Ranges, caching, Vary. */
  readonly tail: readonly string[];
}

export type Route =
  | FileRoute
  | { readonly kind: 'redirect'; readonly checkedAt: number; readonly location: string; readonly directory: string }
  | { readonly kind: 'listing'; readonly checkedAt: number; readonly fsPath: string; readonly urlPath: string }
  | { readonly kind: 'forbidden'; readonly checkedAt: number; readonly directory?: string }
  | { readonly kind: 'not-found'; readonly checkedAt: number }
  | { readonly kind: 'bad-request'; readonly checkedAt: number; readonly code: string }
  | { readonly kind: 'error'; readonly checkedAt: number; readonly error: Error };

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Whole-file streamed responses after which a large file is promoted to memory. */
const HOT_AFTER = 2;

/** Reads a whole file through a shared descriptor (positional reads). */
async function readWhole(shared: SharedHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafeSlow(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await shared.handle.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === size ? buf : buf.subarray(0, off);
}

/** Re-encodes a clean decoded path for a Location header (never `//`: no open redirect). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%40/g, '@').replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%2B/gi, '+'))
    .join('/');
}

export class RouteCache {
  readonly #opts: ResolvedStaticOptions;
  readonly #resolver: PathResolver;
  readonly #routes: Lru<string, Route>;
  readonly #files: Lru<string, FileEntry>;
  readonly #pending = new Map<string, Promise<Route>>();
  readonly #budget: EntryBudget;
  readonly #validMs: number;

  constructor(opts: ResolvedStaticOptions, resolver: PathResolver) {
    this.#opts = opts;
    this.#resolver = resolver;
    const ofc = opts.openFileCache;
    this.#validMs = ofc.max === 0 ? 0 : ofc.validMs;
    this.#budget = {
      memoryMaxFileSize: ofc.memoryMaxFileSize,
      memoryBytesLeft: ofc.max === 0 ? 0 : ofc.memoryBytes,
      descriptorsLeft: ofc.max === 0 ? 0 : Math.min(ofc.max, 512),
    };
    this.#routes = new Lru(ofc.max);
    this.#files = new Lru(ofc.max, Number.POSITIVE_INFINITY, () => 0, (_k, entry) => releaseFileEntry(entry, this.#budget));
  }

  /** A fresh cached route, synchronously, or undefined. */
  lookup(rawPath: string, now: number): Route | undefined {
    const r = this.#routes.get(rawPath);
    if (r !== undefined && now - r.checkedAt < this.#validMs) return r;
    return undefined;
  }

  /** Resolves (or revalidates) a route; concurrent calls for one path share the work. */
  resolve(rawPath: string): Promise<Route> {
    let p = this.#pending.get(rawPath);
    if (p === undefined) {
      p = this.#build(rawPath).then(
        (route) => {
          this.#pending.delete(rawPath);
          if (route.kind !== 'error' && this.#validMs > 0) this.#routes.set(rawPath, route);
          return route;
        },
        (err: unknown) => {
          this.#pending.delete(rawPath);
          return { kind: 'error', checkedAt: 0, error: err instanceof Error ? err : new Error(String(err)) } as const;
        },
      );
      this.#pending.set(rawPath, p);
    }
    return p;
  }

  clear(): void {
    this.#routes.clear();
    this.#files.clear();
  }

  /**
   * Counts a whole-file response streamed from disk. The second one promotes a file up to
   * `hotMaxFileSize` into memory, if that leaves half of the memory budget for small files.
   * The bytes are read through the shared descriptor and published only if an fstat afterwards
   * still shows the same size and mtime.
   */
  noteStreamed(entry: FileEntry): void {
    const ofc = this.#opts.openFileCache;
    if (entry.promoting || entry.size > ofc.hotMaxFileSize || ++entry.streamed < HOT_AFTER) return;
    const budget = this.#budget;
    if (budget.memoryBytesLeft - entry.size < ofc.memoryBytes / 2) return;
    const shared = entry.shared;
    if (shared === undefined || !shared.acquire()) return;
    if (!takeMemory(budget, entry.size)) {
      shared.release();
      return;
    }
    entry.promoting = true;
    const giveBack = () => giveMemory(budget, entry.size);
    void readWhole(shared, entry.size)
      .then(async (buf) => {
        const st = await shared.handle.stat();
        // One synchronous decision: publish the bytes only if the file is unchanged and still
        // cached; eviction after this point gives the bytes back through releaseFileEntry.
        if (!shared.retired && buf.length === entry.size && st.size === entry.size && st.mtimeMs === entry.mtimeMs) {
          entry.body = buf;
          entry.memoryHeld += entry.size;
        } else giveBack();
      }, giveBack)
      .catch(giveBack)
      .finally(() => {
        entry.promoting = false;
        shared.release();
      });
  }

  async #build(rawPath: string): Promise<Route> {
    const checkedAt = Date.now();
    const r = await this.#resolver.resolve(rawPath);
    switch (r.kind) {
      case 'not-found':
      case 'forbidden':
        return { kind: r.kind, checkedAt };
      case 'bad-request':
        return { kind: 'bad-request', checkedAt, code: r.code };
      case 'error':
        return { kind: 'error', checkedAt, error: r.error };
      case 'directory': {
        if (!r.urlPath.endsWith('/')) {
          return { kind: 'redirect', checkedAt, location: encodePath(r.urlPath) + '/', directory: r.fsPath };
        }
        const dir = r.fsPath.endsWith('/') ? r.fsPath : r.fsPath + '/';
        for (const name of this.#opts.index) {
          const found = await this.#resolver.statAllowed(dir + name);
          if (found?.stats.isFile() === true) return this.#fileRoute(found.path, r.urlPath + name, checkedAt, found.stats, r.fsPath);
        }
        if (this.#opts.autoindex !== 'off') return { kind: 'listing', checkedAt, fsPath: dir, urlPath: r.urlPath };
        return { kind: 'forbidden', checkedAt, directory: r.fsPath };
      }
      case 'file':
        return this.#fileRoute(r.fsPath, r.urlPath, checkedAt, r.stats);
    }
  }

  /** The cached entry for `fsPath` when still the same file, else a fresh one. */
  async #entry(fsPath: string, st: Stats): Promise<FileEntry | undefined> {
    const cached = this.#files.get(fsPath);
    if (cached !== undefined) {
      if (sameFile(cached, st)) return cached;
      this.#files.delete(fsPath);
    }
    const fresh = await loadFileEntry(fsPath, this.#budget, this.#resolver.openFlags);
    if (fresh !== undefined) this.#files.set(fsPath, fresh);
    return fresh;
  }

  async #fileRoute(fsPath: string, urlPath: string, checkedAt: number, st: Stats, directory?: string): Promise<Route> {
    const opts = this.#opts;
    let file: FileEntry | undefined;
    try {
      file = await this.#entry(fsPath, st);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return { kind: 'not-found', checkedAt };
      if (code === 'EACCES' || code === 'EPERM') return { kind: 'forbidden', checkedAt };
      throw err;
    }
    if (file === undefined) return { kind: 'not-found', checkedAt };

    const name = basename(urlPath);
    const looked = opts.charset ? mime.contentType(name) : mime.lookup(name);
    const type = looked === false ? 'application/octet-stream' : looked;
    const mediaType = (type.split(';')[0] as string).trim();
    const c = opts.compress;
    const compressible =
      c !== undefined && file.size >= c.minLength && file.size <= c.maxLength && isCompressibleType(mediaType, c.types);

    const siblings: Sibling[] = [];
    if (opts.precompressed) {
      for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']] as const) {
        const path = fsPath + ext;
        const found = await this.#resolver.statAllowed(path);
        if (found?.stats.isFile() !== true) continue;
        const sib = await this.#entry(found.path, found.stats).catch(() => undefined);
        if (sib !== undefined) siblings.push({ encoding, file: sib, tail: [] });
      }
    }
    const vary = compressible || siblings.length > 0;
    const immutable = opts.immutable !== undefined && opts.immutable.test(name);
    const cacheControl = immutable ? IMMUTABLE : opts.cacheControl;

    const tailOf = (f: FileEntry, extra: readonly string[]): string[] => {
      const t: string[] = [];
      if (opts.lastModified) t.push('Last-Modified', f.lastModified);
      if (opts.etag) t.push('ETag', f.etag);
      if (opts.maxRanges > 0) t.push('Accept-Ranges', 'bytes');
      if (cacheControl !== undefined) t.push('Cache-Control', cacheControl);
      if (vary) t.push('Vary', 'Accept-Encoding');
      t.push(...extra);
      return t;
    };
    const tail = tailOf(file, []);
    const finalSiblings = siblings.map((s) => ({ ...s, tail: tailOf(s.file, ['Content-Encoding', s.encoding]) }));
    return {
      kind: 'file',
      checkedAt,
      directory,
      file,
      type,
      compressible,
      siblings: finalSiblings,
      siblingEncodings: finalSiblings.map((s) => s.encoding),
      vary,
      immutable,
      cacheControl,
      headers: ['Content-Type', type, 'Content-Length', String(file.size), ...tail],
      tail,
    };
  }
}

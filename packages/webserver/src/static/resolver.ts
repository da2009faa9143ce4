/**
 * From a percent-encoded URL path to a file system object, with every safety rule applied:
 * decoding (./path.ts), dotfiles, `alias` prefixes, and the symlink policy. No cache here: the
 * route cache (./route-cache.ts) calls this on a miss and when an entry's validity runs out.
 *
 * The symlink check resolves the real path once (`realpath(3)`) and compares it with the real
 * root: `within-root` wants it under the root, `deny` wants it equal to the lexical path (so no
 * component was a link). Objects that are neither files nor directories (FIFOs, sockets,
 * devices) are never opened: opening a FIFO would block a libuv thread.
 * @module
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ResolvedStaticOptions } from './options.js';
import { decodeRequestPath, hasDotSegment } from './path.js';

/** What a path resolves to before any file is opened. */
export type Resolution =
  | { readonly kind: 'file'; readonly fsPath: string; readonly urlPath: string; readonly stats: Stats }
  | { readonly kind: 'directory'; readonly fsPath: string; readonly urlPath: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'bad-request'; readonly code: string }
  | { readonly kind: 'error'; readonly error: Error };

export const NOT_FOUND: Resolution = { kind: 'not-found' };
const FORBIDDEN: Resolution = { kind: 'forbidden' };
// O_NONBLOCK: a FIFO swapped in after the stat cannot block a pool thread on open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** errno codes that mean "nothing servable here" (nginx: 404 for ENOENT, ENOTDIR, ENAMETOOLONG). */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EINVAL']);
const DENIED = new Set(['EACCES', 'EPERM']);

function classify(err: unknown): Resolution {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ABSENT.has(code)) return NOT_FOUND;
  if (code !== undefined && DENIED.has(code)) return FORBIDDEN;
  return { kind: 'error', error: err instanceof Error ? err : new Error(String(err)) };
}

/** Resolves URL paths under one root or alias. */
export class PathResolver {
  readonly #opts: ResolvedStaticOptions;
  #realBase: Promise<string> | undefined;

  constructor(opts: ResolvedStaticOptions) {
    this.#opts = opts;
  }

  /** The root's real path, computed once (a root that does not exist yet is retried later). */
  #root(): Promise<string> {
    if (this.#realBase === undefined) {
      const p = realpath(this.#opts.base);
      this.#realBase = p;
      p.catch(() => {
        if (this.#realBase === p) this.#realBase = undefined;
      });
    }
    return this.#realBase;
  }

  /** The file system path for a clean URL path, or undefined when outside an alias prefix. */
  fsPathOf(urlPath: string): string | undefined {
    const { base, stripPrefix } = this.#opts;
    let rel: string;
    if (stripPrefix === '/') rel = urlPath.slice(1);
    else if (urlPath.startsWith(stripPrefix)) rel = urlPath.slice(stripPrefix.length);
    else if (urlPath + '/' === stripPrefix) rel = '';
    else return undefined;
    if (rel.startsWith('/')) rel = rel.slice(1);
    if (rel === '') return base;
    return base === '/' ? '/' + rel : base + '/' + rel;
  }

  /**
   * Applies the symlink policy to `fsPath` (which exists, built from the URL). Returns the path
   * to open — the real path when links are checked, so what was checked is what gets opened —
   * or undefined when it may not be served.
   */
  async allowed(fsPath: string): Promise<string | undefined> {
    const policy = this.#opts.symlinks;
    if (policy === 'follow') return fsPath;
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(fsPath), this.#root()]);
    } catch {
      return undefined;
    }
    if (policy === 'within-root') {
      return real === root || real.startsWith(root === '/' ? '/' : root + '/') ? real : undefined;
    }
    // 'deny': no component below the root may be a link, so the real path is the lexical one.
    const lexical = fsPath.endsWith('/') && fsPath.length > 1 ? fsPath.slice(0, -1) : fsPath;
    const base = this.#opts.base;
    const suffix = lexical === base ? '' : lexical.slice(base === '/' ? 0 : base.length);
    return real === (suffix === '' ? root : root === '/' ? suffix : root + suffix) ? real : undefined;
  }

  /** Opening flags for paths this resolver returned: no final symlink when links are checked. */
  get openFlags(): number {
    return this.#opts.symlinks === 'follow' ? OPEN_FLAGS : OPEN_FLAGS | (constants.O_NOFOLLOW ?? 0);
  }

  /** Stats `fsPath` and applies the policy; for index files and precompressed siblings. */
  async statAllowed(fsPath: string): Promise<{ stats: Stats; path: string } | undefined> {
    try {
      const stats = await stat(fsPath);
      if (!stats.isFile() && !stats.isDirectory()) return undefined;
      const path = await this.allowed(fsPath);
      return path === undefined ? undefined : { stats, path };
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves a percent-encoded URL path (no query).
   *
   * @example
   * ```ts
   * const r = await new PathResolver(resolveStaticOptions({ root: '/srv/www' })).resolve('/a.css');
   * ```
   */
  async resolve(rawPath: string): Promise<Resolution> {
    const decoded = decodeRequestPath(rawPath);
    if (!decoded.ok) return { kind: 'bad-request', code: decoded.code };
    const urlPath = decoded.path;
    if (this.#opts.dotfiles === 'deny' && hasDotSegment(urlPath)) return NOT_FOUND;
    const fsPath = this.fsPathOf(urlPath);
    if (fsPath === undefined) return NOT_FOUND;
    let st: Stats;
    try {
      st = await stat(fsPath);
    } catch (err) {
      return classify(err);
    }
    const isDir = st.isDirectory();
    if (!isDir && !st.isFile()) return NOT_FOUND;
    const path = await this.allowed(fsPath);
    if (path === undefined) return NOT_FOUND;
    if (isDir) return { kind: 'directory', fsPath: path, urlPath };
    return { kind: 'file', fsPath: path, urlPath, stats: st };
  }
}

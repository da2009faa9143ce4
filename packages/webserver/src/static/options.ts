/**
 * The contract between the webserver's configuration (which parses and validates a location's
 * static-file settings) and the static-file handler. Plain data; {@link resolveStaticOptions}
 * fills every default and rejects impossible values. Durations are milliseconds, sizes bytes.
 *
 * Defaults follow nginx where nginx has one (etag on, no compression unless asked, no listing),
 * and are safer where nginx is permissive (dotfiles denied, symlinks may not leave the root,
 * a bounded `maxRanges`).
 * @module
 */
import type { StaticResponse } from './types.js';

/** How symbolic links under the root are treated (nginx's `disable_symlinks`, inverted). */
export type SymlinkPolicy =
  /** Follow a link only when its target is inside the root (default). Links out: 404. */
  | 'within-root'
  /** Follow every link, wherever it points (nginx's default `disable_symlinks off`). */
  | 'follow'
  /** Never follow a link: any symlink component answers 404 (`disable_symlinks on`). */
  | 'deny';

/** Directory listing format (nginx's `autoindex` and `autoindex_format`). */
export type AutoindexMode = 'off' | 'html' | 'json';

/** An encoding the handler can send: Brotli or gzip. */
export type StaticEncoding = 'br' | 'gzip';

/** On-the-fly compression settings (nginx's `gzip` and `brotli` modules). */
export interface CompressOptions {
  /** Encodings offered, in server preference order when the client weighs them equally. */
  readonly encodings: readonly StaticEncoding[];
  /**
   * Media types compressed (without parameters). `text/*` matches every text type.
   * Default: text/*, JS, JSON, XML, SVG, wasm, web manifests.
   */
  readonly types: readonly string[];
  /** Files smaller than this are sent as they are (nginx `gzip_min_length`; default 1024). */
  readonly minLength: number;
  /** Files larger than this are never compressed on the fly (default 8 MiB). */
  readonly maxLength: number;
  /** gzip level 1-9 (default 6) and Brotli quality 0-11 (default 5). */
  readonly gzipLevel: number;
  readonly brotliQuality: number;
  /** Bytes of compressed bodies kept in memory, keyed by file identity (default 32 MiB). */
  readonly cacheBytes: number;
}

/** Caching of file metadata, open descriptors and small file bodies (nginx `open_file_cache`). */
export interface OpenFileCacheOptions {
  /** Most paths remembered (LRU; default 4096). 0 disables the cache. */
  readonly max: number;
  /** How long an entry is trusted before the file is stat-ed again (default 1000 ms). */
  readonly validMs: number;
  /** Files up to this size are read once and served from memory (default 64 KiB; config `open_file_cache_memory_file_max`). */
  readonly memoryMaxFileSize: number;
  /** Total bytes of file bodies kept in memory (default 64 MiB). */
  readonly memoryBytes: number;
  /**
   * A larger file up to this size that is streamed whole twice is read into memory too, within
   * half of `memoryBytes` (the other half stays for small files). Node has no `sendfile(2)`:
   * each streamed response copies the file from the page cache, and a hot file should not pay
   * that on every request. Default 4 MiB; 0 always streams (config `open_file_cache_hot_file_max`).
   */
  readonly hotMaxFileSize: number;
}

/** What a location's configuration gives the static handler. Every field but the root is optional. */
export interface StaticOptions {
  /**
   * nginx `root`: the file is `root + decoded URL path`. Exactly one of `root` and `alias`.
   */
  readonly root?: string;
  /**
   * nginx `alias`: the file is `alias + (decoded URL path without aliasPrefix)`.
   */
  readonly alias?: string;
  /** With `alias`: the location prefix replaced by the alias (e.g. `/static/`). Default `/`. */
  readonly aliasPrefix?: string;
  /** Files tried, in order, for a URL ending in `/` (default `['index.html']`). */
  readonly index?: readonly string[];
  /** Directory listing (default `off`: a directory without an index answers 403, as nginx). */
  readonly autoindex?: AutoindexMode;
  /**
   * Path segments starting with `.` (default `deny`: 404, as if absent). `/.well-known/` (RFC
   * 8615) is always served.
   */
  readonly dotfiles?: 'deny' | 'allow';
  /** Symlink policy (default `within-root`). */
  readonly symlinks?: SymlinkPolicy;
  /**
   * nginx `expires`: seconds of freshness (`Cache-Control: max-age=N` and `Expires`), `'max'`
   * (10 years), `'epoch'` (no-cache), or `'off'` (no header; default).
   */
  readonly expires?: number | 'max' | 'epoch' | 'off';
  /** A literal `Cache-Control` value; overrides `expires` when set. */
  readonly cacheControl?: string;
  /**
   * Hashed file names (`app.3f9a1c2b.js`, `chunk-5FQ2K7ZW.css`) get
   * `Cache-Control: public, max-age=31536000, immutable`. `true` uses {@link HASHED_NAME};
   * a RegExp tests the file's base name. Default `false`.
   */
  readonly immutable?: boolean | RegExp;
  /** Serve `file.br` / `file.gz` siblings when the client accepts them (nginx `gzip_static`; default false). */
  readonly precompressed?: boolean;
  /** On-the-fly compression; `true` takes the defaults. Default off, as nginx `gzip off`. */
  readonly compress?: boolean | Partial<CompressOptions>;
  /** Strong ETag `"mtime-size"` in hex, as nginx (default true). */
  readonly etag?: boolean;
  /** `Last-Modified` (default true). */
  readonly lastModified?: boolean;
  /**
   * Most ranges honoured in one request; more and the Range header is ignored (200), as nginx's
   * `max_ranges`. 0 disables ranges (no `Accept-Ranges`). Default 16.
   */
  readonly maxRanges?: number;
  /** Add `; charset=utf-8` to text types (default true; nginx's `charset utf-8`). */
  readonly charset?: boolean;
  /** The metadata, descriptor and small-body cache. */
  readonly openFileCache?: Partial<OpenFileCacheOptions>;
  /**
   * Called for every error answer the handler gives itself (400, 403, 405, 412, 416, 500) so the
   * server can render its own error pages and log. Default: a short plain-text body.
   */
  readonly onError?: StaticErrorResponder;
}

/** Renders an error answer; the handler has already chosen status and extra headers. */
export type StaticErrorResponder = (
  res: StaticResponse,
  status: number,
  code: string,
  headers: Readonly<Record<string, string>>,
) => void;

/**
 * Names with a content hash before the extension: `app.3f9a1c2b.js`, `main-5FQ2K7ZW.css`,
 * `chunk.abcdef0123456789.mjs`. At least 8 hex digits or 8 base-32/base-36 characters mixing
 * letters and digits.
 */
export const HASHED_NAME = /[.-](?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{8,}\.[A-Za-z0-9]+(?:\.map)?$|[.-][0-9a-f]{8,}\.[A-Za-z0-9]+(?:\.map)?$/;

/** Media types compressed on the fly unless configured otherwise. */
export const DEFAULT_COMPRESS_TYPES: readonly string[] = [
  'text/*',
  'application/javascript',
  'application/json',
  'application/ld+json',
  'application/manifest+json',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/wasm',
  'image/svg+xml',
  'image/x-icon',
  'font/ttf',
  'font/otf',
];

/** Every option with its default applied; what the handler runs on. */
export interface ResolvedStaticOptions {
  /** Absolute directory the decoded path is appended to. */
  readonly base: string;
  /** Location prefix removed before appending (`/` for `root`). */
  readonly stripPrefix: string;
  readonly index: readonly string[];
  readonly autoindex: AutoindexMode;
  readonly dotfiles: 'deny' | 'allow';
  readonly symlinks: SymlinkPolicy;
  /** The Cache-Control value for ordinary files, or undefined. */
  readonly cacheControl: string | undefined;
  /** Seconds for the `Expires` header (computed per response), or undefined. */
  readonly expiresSeconds: number | undefined;
  readonly immutable: RegExp | undefined;
  readonly precompressed: boolean;
  readonly compress: CompressOptions | undefined;
  readonly etag: boolean;
  readonly lastModified: boolean;
  readonly maxRanges: number;
  readonly charset: boolean;
  readonly openFileCache: OpenFileCacheOptions;
  readonly onError: StaticErrorResponder | undefined;
}

/** A static option that cannot work; `key` names the option. */
export class StaticOptionsError extends Error {
  readonly code = 'TSGI_WS_STATIC_OPTIONS';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`static option \`${key}\`: ${message}`);
    this.name = 'StaticOptionsError';
  }
}

export const STATIC_DEFAULTS = {
  index: ['index.html'] as readonly string[],
  autoindex: 'off' as AutoindexMode,
  dotfiles: 'deny' as const,
  symlinks: 'within-root' as SymlinkPolicy,
  maxRanges: 16,
  compress: {
    encodings: ['br', 'gzip'] as readonly StaticEncoding[],
    types: DEFAULT_COMPRESS_TYPES,
    minLength: 1024,
    maxLength: 8 * 1024 * 1024,
    gzipLevel: 6,
    brotliQuality: 5,
    cacheBytes: 32 * 1024 * 1024,
  } satisfies CompressOptions,
  openFileCache: {
    max: 4096,
    validMs: 1000,
    memoryMaxFileSize: 64 * 1024,
    memoryBytes: 64 * 1024 * 1024,
    hotMaxFileSize: 4 * 1024 * 1024,
  } satisfies OpenFileCacheOptions,
} as const;

const TEN_YEARS = 315_360_000;

function nonNegativeInt(key: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new StaticOptionsError(key, `must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates. Throws {@link StaticOptionsError} naming the option.
 *
 * @example
 * ```ts
 * const resolved = resolveStaticOptions({ root: '/srv/www', expires: 3600 });
 * resolved.cacheControl; // 'max-age=3600'
 * ```
 */
export function resolveStaticOptions(options: StaticOptions): ResolvedStaticOptions {
  const hasRoot = typeof options.root === 'string' && options.root !== '';
  const hasAlias = typeof options.alias === 'string' && options.alias !== '';
  if (hasRoot === hasAlias) throw new StaticOptionsError('root', 'give exactly one of `root` and `alias`');
  const dir = (hasRoot ? options.root : options.alias) as string;
  if (!dir.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(dir)) {
    throw new StaticOptionsError(hasRoot ? 'root' : 'alias', `must be an absolute path, got ${JSON.stringify(dir)}`);
  }
  const base = dir.length > 1 && (dir.endsWith('/') || dir.endsWith('\\')) ? dir.slice(0, -1) : dir;
  let stripPrefix = '/';
  if (hasAlias && options.aliasPrefix !== undefined) {
    if (!options.aliasPrefix.startsWith('/')) throw new StaticOptionsError('aliasPrefix', 'must start with `/`');
    stripPrefix = options.aliasPrefix;
  }
  const index = options.index ?? STATIC_DEFAULTS.index;
  for (const name of index) {
    if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) {
      throw new StaticOptionsError('index', `must be plain file names, got ${JSON.stringify(name)}`);
    }
  }
  const autoindex = options.autoindex ?? 'off';
  if (autoindex !== 'off' && autoindex !== 'html' && autoindex !== 'json') {
    throw new StaticOptionsError('autoindex', `must be "off", "html" or "json", got ${JSON.stringify(autoindex)}`);
  }
  const dotfiles = options.dotfiles ?? 'deny';
  if (dotfiles !== 'deny' && dotfiles !== 'allow') throw new StaticOptionsError('dotfiles', 'must be "deny" or "allow"');
  const symlinks = options.symlinks ?? 'within-root';
  if (symlinks !== 'within-root' && symlinks !== 'follow' && symlinks !== 'deny') {
    throw new StaticOptionsError('symlinks', 'must be "within-root", "follow" or "deny"');
  }

  let cacheControl: string | undefined;
  let expiresSeconds: number | undefined;
  const expires = options.expires ?? 'off';
  if (expires === 'max') {
    cacheControl = `max-age=${TEN_YEARS}`;
    expiresSeconds = TEN_YEARS;
  } else if (expires === 'epoch') {
    cacheControl = 'no-cache';
    expiresSeconds = -1;
  } else if (typeof expires === 'number') {
    nonNegativeInt('expires', expires, TEN_YEARS);
    cacheControl = `max-age=${expires}`;
    expiresSeconds = expires;
  } else if (expires !== 'off') {
    throw new StaticOptionsError('expires', 'must be seconds, "max", "epoch" or "off"');
  }
  if (options.cacheControl !== undefined) {
    if (/[\r\n\0]/.test(options.cacheControl)) throw new StaticOptionsError('cacheControl', 'must not contain control characters');
    cacheControl = options.cacheControl;
  }

  const immutable = options.immutable === true ? HASHED_NAME : options.immutable instanceof RegExp ? options.immutable : undefined;

  let compress: CompressOptions | undefined;
  if (options.compress === true || (typeof options.compress === 'object' && options.compress !== null)) {
    const c = options.compress === true ? {} : options.compress;
    compress = {
      encodings: c.encodings ?? STATIC_DEFAULTS.compress.encodings,
      types: c.types ?? STATIC_DEFAULTS.compress.types,
      minLength: nonNegativeInt('compress.minLength', c.minLength ?? STATIC_DEFAULTS.compress.minLength),
      maxLength: nonNegativeInt('compress.maxLength', c.maxLength ?? STATIC_DEFAULTS.compress.maxLength),
      gzipLevel: nonNegativeInt('compress.gzipLevel', c.gzipLevel ?? STATIC_DEFAULTS.compress.gzipLevel, 9),
      brotliQuality: nonNegativeInt('compress.brotliQuality', c.brotliQuality ?? STATIC_DEFAULTS.compress.brotliQuality, 11),
      cacheBytes: nonNegativeInt('compress.cacheBytes', c.cacheBytes ?? STATIC_DEFAULTS.compress.cacheBytes),
    };
    for (const e of compress.encodings) {
      if (e !== 'br' && e !== 'gzip') throw new StaticOptionsError('compress.encodings', `unknown encoding ${JSON.stringify(e)}; use "br" or "gzip"`);
    }
  }

  const ofc = options.openFileCache ?? {};
  const openFileCache: OpenFileCacheOptions = {
    max: nonNegativeInt('openFileCache.max', ofc.max ?? STATIC_DEFAULTS.openFileCache.max),
    validMs: nonNegativeInt('openFileCache.validMs', ofc.validMs ?? STATIC_DEFAULTS.openFileCache.validMs),
    memoryMaxFileSize: nonNegativeInt(
      'openFileCache.memoryMaxFileSize',
      ofc.memoryMaxFileSize ?? STATIC_DEFAULTS.openFileCache.memoryMaxFileSize,
    ),
    memoryBytes: nonNegativeInt('openFileCache.memoryBytes', ofc.memoryBytes ?? STATIC_DEFAULTS.openFileCache.memoryBytes),
    hotMaxFileSize: nonNegativeInt('openFileCache.hotMaxFileSize', ofc.hotMaxFileSize ?? STATIC_DEFAULTS.openFileCache.hotMaxFileSize),
  };

  return {
    base,
    stripPrefix,
    index,
    autoindex,
    dotfiles,
    symlinks,
    cacheControl,
    expiresSeconds,
    immutable,
    precompressed: options.precompressed ?? false,
    compress,
    etag: options.etag ?? true,
    lastModified: options.lastModified ?? true,
    maxRanges: nonNegativeInt('maxRanges', options.maxRanges ?? STATIC_DEFAULTS.maxRanges),
    charset: options.charset ?? true,
    openFileCache,
    onError: options.onError,
  };
}

/**
 * On-the-fly compression with a cache: each (file identity, encoding) is compressed once, by one
 * request, while concurrent requests for it wait for the same result. Bounded by bytes (LRU).
 * A file that does not shrink is remembered as such and sent as it is.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zc, gzip } from 'node:zlib';
import { PROCESS_LIMITS, type FileEntry } from './file-entry.js';
import { Lru } from './lru.js';
import type { CompressOptions, StaticEncoding } from './options.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Bytes held by every CompressionCache of the process. */
let compressedTotal = 0;
const weigh = (v: { body: Compressed }): number => (v.body === null ? 64 : v.body.length + 64);

/** The compressed bytes of one file, or null when compression did not pay. */
export type Compressed = Buffer | null;

/** True when `mediaType` (no parameters) is listed, `text/*` style wildcards included. */
export function isCompressibleType(mediaType: string, types: readonly string[]): boolean {
  for (const t of types) {
    if (t === mediaType) return true;
    if (t.endsWith('/*') && mediaType.startsWith(t.slice(0, -1))) return true;
  }
  return false;
}

export class CompressionCache {
  readonly #opts: CompressOptions;
  readonly #done: Lru<string, { body: Compressed }>;
  readonly #pending = new Map<string, Promise<Compressed>>();

  constructor(opts: CompressOptions) {
    this.#opts = opts;
    this.#done = new Lru(100_000, opts.cacheBytes, weigh, (_k, v) => {
      compressedTotal -= weigh(v);
    });
  }

  /** The cached result, if any, without starting a compression. */
  peek(entry: FileEntry, encoding: StaticEncoding): { body: Compressed } | undefined {
    return this.#done.get(key(entry, encoding));
  }

  /** Compresses (once) and caches. Rejects only on I/O errors. */
  compress(entry: FileEntry, encoding: StaticEncoding): Promise<Compressed> {
    const k = key(entry, encoding);
    const hit = this.#done.get(k);
    if (hit !== undefined) return Promise.resolve(hit.body);
    let p = this.#pending.get(k);
    if (p === undefined) {
      p = this.#run(entry, encoding).then(
        (body) => {
          this.#pending.delete(k);
          const entry = { body };
          // Within the process-wide ceiling too (one cache per location); past it, still served.
          if (compressedTotal + weigh(entry) <= PROCESS_LIMITS.compressedBytes) {
            compressedTotal += weigh(entry);
            this.#done.set(k, entry);
          }
          return body;
        },
        (err: unknown) => {
          this.#pending.delete(k);
          throw err;
        },
      );
      this.#pending.set(k, p);
    }
    return p;
  }

  async #run(entry: FileEntry, encoding: StaticEncoding): Promise<Compressed> {
    const source = entry.body ?? (entry.shared !== undefined ? await readShared(entry) : await readFile(entry.fsPath));
    let out: Buffer;
    if (encoding === 'br') {
      out = await brotliAsync(source, {
        params: {
          [zc.BROTLI_PARAM_QUALITY]: this.#opts.brotliQuality,
          [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
          [zc.BROTLI_PARAM_SIZE_HINT]: source.length,
        },
      });
    } else {
      out = await gzipAsync(source, { level: this.#opts.gzipLevel });
    }
    return out.length < source.length ? out : null;
  }

  clear(): void {
    this.#done.clear();
  }
}

function key(entry: FileEntry, encoding: StaticEncoding): string {
  return `${entry.dev}:${entry.ino}:${entry.size}:${entry.mtimeMs}:${encoding}`;
}

/** Reads a large cached file through its shared descriptor (positional reads, no seek). */
async function readShared(entry: FileEntry): Promise<Buffer> {
  const shared = entry.shared;
  if (shared === undefined || !shared.acquire()) return readFile(entry.fsPath);
  try {
    const buf = Buffer.allocUnsafe(entry.size);
    let off = 0;
    while (off < entry.size) {
      const { bytesRead } = await shared.handle.read(buf, off, entry.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    shared.release();
  }
}

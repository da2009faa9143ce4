/**
 * FileResponse (Django's, over SPEC.md's `tsgi.file` extension): the response carries
 * `[TSGI_FILE]: { path, offset, length }` so a server with the extension sends the file itself;
 * its ordinary body streams the same bytes (opened only if read), so any server stays correct.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { TSGI_FILE, type TsgiFileBody } from 'tsgi';
import { Http404 } from '../core/exceptions.js';
import { HttpResponseBase, type ResponseInit } from './response.js';

/** Common types by extension (the framework keeps no MIME database; pass `contentType` for others). */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml', '.csv': 'text/csv; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.avif': 'image/avif', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.pdf': 'application/pdf',
  '.zip': 'application/zip', '.gz': 'application/gzip', '.tar': 'application/x-tar', '.wasm': 'application/wasm',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.wav': 'audio/wav',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf',
};

/** Options of {@link FileResponse}. */
export interface FileResponseInit extends ResponseInit {
  /** `Content-Disposition: attachment` (download) instead of `inline`. */
  asAttachment?: boolean;
  /** The file name the client sees (default: the file's own). */
  filename?: string;
}

/**
 * Sends a file. The file is checked (stat) before the response goes out: a missing file or a
 * directory is Http404.
 *
 * @example
 * ```ts
 * return new FileResponse('/srv/reports/2024.pdf', { asAttachment: true, filename: 'report.pdf' });
 * ```
 */
export class FileResponse extends HttpResponseBase {
  /** Absolute path of the file. */
  readonly path: string;
  #size = 0;
  #prepared = false;

  constructor(path: string, init: FileResponseInit = {}) {
    const abs = resolve(path);
    super({ ...init, contentType: init.contentType ?? TYPES[extname(abs).toLowerCase()] ?? 'application/octet-stream' });
    this.path = abs;
    const name = init.filename ?? basename(abs);
    if (init.asAttachment || init.filename !== undefined) {
      this.headers.setDefault('Content-Disposition', contentDisposition(name, init.asAttachment ?? false));
    }
  }

  /** Stats the file (async, before sending); Http404 when it is not a readable regular file. */
  override async prepare(): Promise<void> {
    if (this.#prepared) return;
    let info;
    try {
      info = await stat(this.path);
    } catch {
      throw new Http404(`File not found: ${basename(this.path)}`);
    }
    if (!info.isFile()) throw new Http404(`Not a file: ${basename(this.path)}`);
    this.#size = info.size;
    this.#prepared = true;
    this.headers.set('Content-Length', info.size);
  }

  protected fetchBody(): BodyInit | null {
    const path = this.path;
    const length = this.#size;
    if (length === 0) return null;
    // Opened on first read only: a server honouring tsgi.file never opens it here.
    let source: ReadableStreamDefaultReader<Uint8Array> | null = null;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        source ??= (Readable.toWeb(createReadStream(path, { start: 0, end: length - 1 })) as ReadableStream<Uint8Array>).getReader();
        const { value, done } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        await source?.cancel(reason);
      },
    });
  }

  override toResponse(head = false): Response {
    const response = super.toResponse(head);
    if (head) return response;
    const file: TsgiFileBody = { path: this.path, offset: 0, length: this.#size };
    Object.defineProperty(response, TSGI_FILE, { value: file, enumerable: false });
    return response;
  }
}

/**
 * RFC 6266 Content-Disposition with an RFC 8187 `filename*` for non-ASCII names.
 *
 * @example
 * ```ts
 * contentDisposition('report.pdf', true); // 'attachment; filename="report.pdf"'
 * ```
 */
export function contentDisposition(filename: string, attachment: boolean): string {
  const type = attachment ? 'attachment' : 'inline';
  if (/^[\x20-\x7e]*$/.test(filename)) {
    return `${type}; filename="${filename.replace(/["\\]/g, '\\$&')}"`;
  }
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '\\$&');
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

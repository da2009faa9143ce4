/**
 * multipart/form-data (RFC 7578) parsed with @fastify/busboy, as the body streams in: fields
 * into a QueryDict, files kept in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and streamed to a
 * temp file beyond (Django's Memory/TemporaryFileUploadHandler pair), with backpressure all the
 * way to the socket, so a 50 MB upload costs the process a few chunks of memory.
 *
 * Limits: field count (400 TooManyFieldsSent), file count (400 TooManyFilesSent), total field
 * bytes (413), one file's size (413), parts and header pairs; malformed input is 400.
 * @module
 */
import { createWriteStream, createReadStream, type WriteStream } from 'node:fs';
import { rm, rename, copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type * as BusboyPackage from '@fastify/busboy';
import {
  RequestDataTooBig,
  SuspiciousMultipartForm,
  TooManyFieldsSent,
  TooManyFilesSent,
} from '../core/exceptions.js';
import { bodyStreamError } from './body.js';
import { MultiValueDict, QueryDict } from './multi-value-dict.js';
import { lazyPackage } from '../utils/lazy-package.js';

/**
 * A file from a multipart upload (Django's UploadedFile), in memory or in a temp file that is
 * removed once the response has been sent (move it with {@link moveTo} to keep it).
 *
 * @example
 * ```ts
 * const avatar = request.FILES.get('avatar');
 * if (avatar) await avatar.moveTo(`/srv/media/${crypto.randomUUID()}.png`);
 * ```
 */
export class UploadedFile {
  /** The form field name. */
  readonly fieldName: string;
  /** The file name the client sent (path components removed). */
  readonly name: string;
  /** The part's Content-Type (`application/octet-stream` when absent). */
  readonly contentType: string;
  /** Size in bytes. */
  readonly size: number;
  /** The temp file holding the data, or null when it is in memory. */
  readonly path: string | null;
  readonly #data: Uint8Array | null;

  constructor(fields: { fieldName: string; name: string; contentType: string; size: number; path: string | null; data: Uint8Array | null }) {
    this.fieldName = fields.fieldName;
    this.name = fields.name;
    this.contentType = fields.contentType;
    this.size = fields.size;
    this.path = fields.path;
    this.#data = fields.data;
  }

  /** True when the data is in memory (small files). */
  get inMemory(): boolean {
    return this.path === null;
  }

  /** The content (reads the temp file when on disk). */
  async bytes(): Promise<Uint8Array> {
    if (this.#data) return this.#data;
    return new Uint8Array(await readFile(this.path as string));
  }

  /** The content decoded as UTF-8 (or `encoding`). */
  async text(encoding = 'utf-8'): Promise<string> {
    return new TextDecoder(encoding).decode(await this.bytes());
  }

  /** The content as a stream (from disk when on disk). */
  stream(): ReadableStream<Uint8Array> {
    if (this.#data) {
      const data = this.#data;
      return new ReadableStream({ start(c) { c.enqueue(data); c.close(); } });
    }
    return Readable.toWeb(createReadStream(this.path as string)) as ReadableStream<Uint8Array>;
  }

  /**
   * Saves the file at `destination` (a rename when possible; copying across devices).
   */
  async moveTo(destination: string): Promise<void> {
    if (this.#data) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(destination, this.#data);
      return;
    }
    try {
      await rename(this.path as string, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(this.path as string, destination);
    }
  }
}

/**
 * Limits of one file field, enforced as the part streams in (a form's FileField declares them;
 * see `uploadLimitsOf`). A file over `maxSize` stops being written at the limit and its temp file
 * is removed; a file whose declared Content-Type is not in `contentTypes` is never written. The
 * rest of the part is read and dropped, the request goes on, and the form reports the field error.
 */
export interface FileLimit {
  /** Largest size in bytes; null = only FILE_UPLOAD_MAX_SIZE. */
  readonly maxSize: number | null;
  /** Accepted Content-Types (`image/png`, or `image/*`); null = any. */
  readonly contentTypes: readonly string[] | null;
}

/** Per-field file limits, by field name. */
export type UploadLimits = Readonly<Record<string, FileLimit>>;

/**
 * A file dropped while streaming because it broke its field's {@link FileLimit}.
 *
 * @example
 * ```ts
 * const rejected = request.rejectedFiles.get('avatar'); // { reason: 'size', limit: { maxSize: 5e6, ... }, ... }
 * ```
 */
export interface RejectedUpload {
  readonly fieldName: string;
  /** The file name the client sent (path components removed). */
  readonly name: string;
  /** The part's Content-Type. */
  readonly contentType: string;
  /** Which limit it broke. */
  readonly reason: 'size' | 'content-type';
  readonly limit: FileLimit;
}

/** Limits and places for {@link parseMultipart}. */
export interface MultipartOptions {
  /** Charset of field values without their own. */
  encoding: string;
  /** Total bytes of non-file fields (DATA_UPLOAD_MAX_MEMORY_SIZE); null = none. */
  maxMemorySize: number | null;
  /** Most fields (DATA_UPLOAD_MAX_NUMBER_FIELDS); null = none. */
  maxFields: number | null;
  /** Most files (DATA_UPLOAD_MAX_NUMBER_FILES); null = none. */
  maxFiles: number | null;
  /** Files up to this many bytes stay in memory (FILE_UPLOAD_MAX_MEMORY_SIZE). */
  fileMemorySize: number;
  /** Largest single file (FILE_UPLOAD_MAX_SIZE); null = none. */
  maxFileSize: number | null;
  /** Temp directory (FILE_UPLOAD_TEMP_DIR); null = the OS's. */
  tempDir: string | null;
  /** Called with a cleanup function for every temp file created. */
  onTempFile: (cleanup: () => Promise<void>) => void;
  /** Per-field limits (a form's file fields); absent = none beyond `maxFileSize`. */
  uploadLimits?: UploadLimits | null;
}

/** Header lines per part (Content-Disposition and Content-Type are all a form part needs). */
const MAX_HEADER_PAIRS = 100;

/** busboy, loaded by the first multipart body (utils/lazy-package.ts). */
const busboy = lazyPackage<typeof BusboyPackage>('@fastify/busboy');

/**
 * Parses a multipart body. Rejects with a 400/413 framework error on bad input or a limit.
 *
 * @example
 * ```ts
 * const { fields, files } = await parseMultipart(request.body, request.headers.get('content-type')!, options);
 * ```
 */
export async function parseMultipart(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  options: MultipartOptions,
): Promise<{ fields: QueryDict; files: MultiValueDict<UploadedFile>; rejected: MultiValueDict<RejectedUpload> }> {
  const fields = new QueryDict();
  const files = new MultiValueDict<UploadedFile>();
  const rejected = new MultiValueDict<RejectedUpload>();
  if (body === null) {
    throw new SuspiciousMultipartForm('Invalid multipart body: the body is empty');
  }
  let parser: ReturnType<typeof BusboyPackage.Busboy>;
  try {
    parser = busboy().Busboy({
      headers: { 'content-type': contentType },
      defCharset: options.encoding,
      limits: {
        fields: options.maxFields ?? Infinity,
        files: options.maxFiles ?? Infinity,
        fieldSize: options.maxMemorySize ?? Infinity,
        fileSize: options.maxFileSize ?? Infinity,
        // Every part is a field or a file, so the part limit is their sum (a flood of empty
        // parts stops there too).
        parts: (options.maxFields ?? Infinity) + (options.maxFiles ?? Infinity),
        headerPairs: MAX_HEADER_PAIRS,
      },
    });
  } catch (error) {
    await body.cancel().catch(() => undefined);
    throw new SuspiciousMultipartForm(`Invalid multipart Content-Type: ${(error as Error).message}`, { cause: error });
  }

  let failure: unknown = null;
  let fieldBytes = 0;
  const pending: Promise<void>[] = [];
  // Files finish in any order (a small one in memory before a large one flushed to disk): each
  // takes its slot as its part arrives, so request.FILES keeps the order sent, as Django's does.
  const slots: Array<{ readonly fieldName: string; file: UploadedFile | RejectedUpload | null }> = [];
  const active = new Set<NodeJS.ReadableStream & { destroy?: (e?: Error) => void }>();
  const fail = (error: unknown) => {
    if (failure === null) failure = error;
  };

  parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
    fieldBytes += name.length + value.length;
    if (valueTruncated || (options.maxMemorySize !== null && fieldBytes > options.maxMemorySize)) {
      fail(new RequestDataTooBig(`Form fields exceeded DATA_UPLOAD_MAX_MEMORY_SIZE (${options.maxMemorySize} bytes).`));
      return;
    }
    fields.append(name, value);
  });
  parser.on('fieldsLimit', () => {
    fail(new TooManyFieldsSent(`The number of fields exceeded DATA_UPLOAD_MAX_NUMBER_FIELDS (${options.maxFields}).`));
  });
  parser.on('filesLimit', () => {
    fail(new TooManyFilesSent(`The number of files exceeded DATA_UPLOAD_MAX_NUMBER_FILES (${options.maxFiles}).`));
  });
  parser.on('partsLimit', () => {
    fail(new SuspiciousMultipartForm('Too many parts in the multipart body.'));
  });
  parser.on('file', (fieldName: string, stream: NodeJS.ReadableStream & { truncated?: boolean }, fileName: string, _enc: string, mime: string) => {
    if (failure !== null) {
      stream.resume();
      return;
    }
    active.add(stream);
    const slot: (typeof slots)[number] = { fieldName, file: null };
    slots.push(slot);
    pending.push(receiveFile(fieldName, stream, fileName, mime, options, fail).then((file) => {
      active.delete(stream);
      slot.file = file;
    }));
  });

  const done = new Promise<void>((resolve) => {
    parser.on('finish', () => resolve());
    parser.on('error', (error: Error) => {
      fail(new SuspiciousMultipartForm(`Malformed multipart body: ${error.message}`, { cause: error }));
      resolve();
    });
  });

  // Feed the parser one chunk at a time, waiting for it (and the file streams behind it) to take
  // each: backpressure reaches the socket, so memory stays bounded whatever the upload size.
  const reader = body.getReader();
  try {
    for (;;) {
      if (failure !== null) {
        await reader.cancel().catch(() => undefined);
        break;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        fail(bodyStreamError(error));
        break;
      }
      if (chunk.done) {
        parser.end();
        break;
      }
      const value = chunk.value;
      // Busboy's parser works on Buffers; a plain Uint8Array is viewed as one without copying.
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      await new Promise<void>((resolve) => {
        parser.write(bytes, () => resolve());
        // A parser error never calls the write callback: resolve through `done` too.
        void done.then(resolve);
      });
    }
  } finally {
    reader.releaseLock();
  }
  if (failure === null) await done;
  // On failure the parser stops mid-part: end the file streams still open so their writers finish.
  if (failure !== null) for (const stream of active) stream.destroy?.();
  await Promise.allSettled(pending);
  if (failure !== null) {
    parser.removeAllListeners('file');
    await Promise.all(slots.map(({ file }) => (file instanceof UploadedFile && file.path ? rm(file.path, { force: true }) : undefined)));
    throw failure;
  }
  for (const { fieldName, file } of slots) {
    if (file instanceof UploadedFile) files.append(fieldName, file);
    else if (file !== null) rejected.append(fieldName, file);
  }
  return { fields, files, rejected };
}

/** Receives one file: memory first, a temp file once it passes the threshold. */
async function receiveFile(
  fieldName: string,
  stream: NodeJS.ReadableStream & { truncated?: boolean },
  fileName: string,
  mime: string,
  options: MultipartOptions,
  fail: (error: unknown) => void,
): Promise<UploadedFile | RejectedUpload | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let out: WriteStream | null = null;
  let path: string | null = null;
  let tooBig = false;
  stream.on('limit', () => {
    tooBig = true;
  });
  const limit = options.uploadLimits?.[fieldName];
  // An empty file input (filename="", no data, application/octet-stream) is no file: never refused for its type.
  let refused: RejectedUpload['reason'] | null = limit && fileName !== '' && !typeAllowed(mime || 'application/octet-stream', limit.contentTypes) ? 'content-type' : null;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      // A refused file is read to its end (the parser needs it) and dropped.
      if (refused !== null) continue;
      size += raw.length;
      // Checked before the chunk is kept: on disk a file never passes its field's limit.
      if (limit?.maxSize != null && size > limit.maxSize) {
        refused = 'size';
        chunks.length = 0;
        if (out !== null) {
          await destroyed(out);
          await rm(path as string, { force: true });
          out = null;
        }
        continue;
      }
      if (out === null && size > options.fileMemorySize) {
        path = join(options.tempDir ?? tmpdir(), `tsgi-upload-${randomUUID()}`);
        const created = path;
        options.onTempFile(() => rm(created, { force: true }));
        out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
        for (const c of chunks) out.write(c);
        chunks.length = 0;
      }
      if (out !== null) {
        if (!out.write(raw)) await waitDrain(out);
      } else {
        chunks.push(raw);
      }
    }
    if (out !== null) await closeStream(out);
  } catch (error) {
    if (out !== null) out.destroy();
    fail(new SuspiciousMultipartForm(`Malformed multipart body: ${(error as Error).message}`, { cause: error }));
    return null;
  }
  if (tooBig || stream.truncated) {
    fail(new RequestDataTooBig(`Uploaded file ${JSON.stringify(fileName)} exceeded FILE_UPLOAD_MAX_SIZE (${options.maxFileSize} bytes).`));
    return null;
  }
  // An empty file input sends a part with filename="" and no data: Django skips it.
  if (!fileName && size === 0) return null;
  if (refused !== null && limit) {
    return { fieldName, name: baseName(fileName), contentType: mime || 'application/octet-stream', reason: refused, limit };
  }
  return new UploadedFile({
    fieldName,
    name: baseName(fileName),
    contentType: mime || 'application/octet-stream',
    size,
    path,
    data: path === null ? new Uint8Array(Buffer.concat(chunks)) : null,
  });
}

function waitDrain(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => { out.off('error', onError); resolve(); };
    const onError = (e: Error) => { out.off('drain', onDrain); reject(e); };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/** Destroys `out` and waits for its descriptor to close (so the file is not re-created after rm). */
function destroyed(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    out.once('close', () => resolve());
    out.destroy();
  });
}

function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Whether `type` matches one of `allowed` (`image/*` matches any image type); case-insensitive. */
export function typeAllowed(type: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  const t = type.toLowerCase();
  return allowed.some((a) => {
    const want = a.toLowerCase();
    return want.endsWith('/*') ? t.startsWith(want.slice(0, -1)) : t === want;
  });
}

/** The last path component: browsers on Windows (old IE) sent full paths. */
function baseName(name: string): string {
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return cut === -1 ? name : name.slice(cut + 1);
}

/**
 * Request buffering (nginx's `proxy_request_buffering on`): the whole body is read from the client
 * before any upstream is chosen, in memory up to `bufferSize` and in an anonymous temp file beyond,
 * so a slow upload never holds an app worker, and the body can be sent again on a retry.
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { openAnonymousTempFile } from './temp-file.js';
import { ProxyError, ProxyErrorCode } from './errors.js';

const READ_CHUNK = 64 * 1024;

/** Resolves when `dest` can take more data, or has closed (then false). */
export function waitDrain(dest: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      dest.off('drain', onDrain);
      dest.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    dest.on('drain', onDrain);
    dest.on('close', onClose);
  });
}

/** A request body held by the proxy; send it with {@link BufferedBody.writeTo}, then {@link BufferedBody.dispose}. */
export class BufferedBody {
  length = 0;
  readonly #chunks: Buffer[] = [];
  #file: FileHandle | undefined;
  #disposed = false;

  /** Reads all of `source`. Rejects if the client goes away (and frees the temp file). */
  static async read(source: Readable, bufferSize: number, tempPath: string): Promise<BufferedBody> {
    const body = new BufferedBody();
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (body.#file) {
          await writeAll(body.#file, chunk, body.length);
        } else if (body.length + chunk.length <= bufferSize) {
          body.#chunks.push(chunk);
        } else {
          // Past the in-memory size: everything so far moves to the file, in order.
          body.#file = await openAnonymousTempFile(tempPath);
          let pos = 0;
          for (const c of body.#chunks) {
            await writeAll(body.#file, c, pos);
            pos += c.length;
          }
          body.#chunks.length = 0;
          await writeAll(body.#file, chunk, body.length);
        }
        body.length += chunk.length;
      }
    } catch (err) {
      await body.dispose();
      throw err;
    }
    return body;
  }

  /** Whether the body went to disk. */
  get spilled(): boolean {
    return this.#file !== undefined;
  }

  /**
   * Writes the body to `dest` with backpressure and ends it. Resolves false when `dest` closed first.
   * May be called again for a retry.
   */
  async writeTo(dest: Writable): Promise<boolean> {
    if (!this.#file) {
      for (const c of this.#chunks) dest.write(c);
      dest.end();
      return true;
    }
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, this.length)));
    let pos = 0;
    while (pos < this.length) {
      if (this.#disposed || dest.destroyed) return false;
      const { bytesRead } = await this.#file.read(buf, 0, Math.min(buf.length, this.length - pos), pos);
      if (bytesRead === 0) throw new Error('temp file shorter than the body it holds');
      pos += bytesRead;
      // The chunk must be copied: `buf` is reused while the socket may still hold the previous one.
      if (!dest.write(Buffer.from(buf.subarray(0, bytesRead))) && !(await waitDrain(dest))) return false;
    }
    dest.end();
    return true;
  }

  #joined: Buffer | undefined;

  /**
   * The body as an undici request body: one Buffer when in memory, else a fresh stream over the
   * temp file (each retry gets its own; the file stays open until {@link BufferedBody.dispose}).
   */
  source(): Buffer | Readable {
    if (!this.#file) return (this.#joined ??= this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks));
    return this.#file.createReadStream({ start: 0, end: Math.max(0, this.length - 1), autoClose: false, highWaterMark: READ_CHUNK });
  }

  /** Frees the memory and closes (hence deletes) the temp file. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#chunks.length = 0;
    this.#joined = undefined;
    const f = this.#file;
    this.#file = undefined;
    if (f) await f.close().catch(() => undefined);
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let off = 0;
  try {
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, position + off);
      off += bytesWritten;
    }
  } catch (err) {
    throw new ProxyError(ProxyErrorCode.TEMP_FILE, `cannot write a request body temp file: ${(err as Error).message}`);
  }
}

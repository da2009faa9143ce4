/**
 * Moves an upstream response body to the client. Buffered (nginx's `proxy_buffering on`): the
 * upstream is read as fast as it sends, what the client cannot take yet waits in memory up to
 * `bufferSize` and then in an anonymous temp file up to `maxTempFileSize`, so a slow reader never
 * holds an app worker; past that cap the upstream is paused (backpressure). Unbuffered: each chunk
 * is written as it comes (SSE, long polling) and the upstream waits for a slow client.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { openAnonymousTempFile } from './temp-file.js';

const READ_CHUNK = 64 * 1024;

/** Settings of one pump. */
export interface PumpOptions {
  readonly buffering: boolean;
  readonly bufferSize: number;
  readonly maxTempFileSize: number;
  readonly tempPath: string;
}

/** Outcome callbacks. */
export interface PumpEvents {
  /** The upstream body was read completely (its connection is back in the pool). */
  upstreamDone(): void;
  /** The upstream failed mid-body (headers already sent: the client connection is cut). */
  upstreamFailed(err: Error): void;
  /** Everything is over (client finished, gone or cut); temp file closed. */
  finished(): void;
}

/** Pumps one response; see the module comment. */
export class ResponsePump {
  readonly #up: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #opts: PumpOptions;
  readonly #events: PumpEvents;
  /** Chunks waiting in memory (they precede whatever waits in the file). */
  readonly #mem: Buffer[] = [];
  #memBytes = 0;
  #file: FileHandle | undefined;
  #fileOpening: Promise<FileHandle> | undefined;
  /** Bytes appended (completed writes) and read back, as positions in the file. */
  #fileWritten = 0;
  #fileRead = 0;
  /** Writes queued to the file, in order. */
  #writeChain: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #backlogged = false;
  #flushing = false;
  #upEnded = false;
  #done = false;
  #pausedForCap = false;

  constructor(up: IncomingMessage, res: ServerResponse, opts: PumpOptions, events: PumpEvents) {
    this.#up = up;
    this.#res = res;
    this.#opts = opts;
    this.#events = events;
    up.on('data', opts.buffering ? (c: Buffer) => this.#onBufferedData(c) : (c: Buffer) => this.#onStreamData(c));
    up.on('end', () => {
      this.#upEnded = true;
      this.#events.upstreamDone();
      if (!this.#backlogged) this.#finishClient();
    });
    up.on('error', (err) => this.#fail(err));
    // 'aborted' is how node reports an upstream that closed before its body was complete.
    up.on('aborted', () => this.#fail(Object.assign(new Error('upstream closed the connection mid-body'), { code: 'ECONNRESET' })));
    res.on('drain', () => (opts.buffering ? this.#flush() : up.resume()));
    res.on('close', () => this.#cleanup());
  }

  #onStreamData(c: Buffer): void {
    if (!this.#res.write(c)) this.#up.pause();
  }

  #onBufferedData(c: Buffer): void {
    if (this.#done) return;
    if (!this.#backlogged) {
      if (!this.#res.write(c)) this.#backlogged = true;
      return;
    }
    const fileUnread = this.#fileWritten - this.#fileRead + this.#pendingBytes;
    if (fileUnread === 0 && this.#pendingWrites === 0 && this.#memBytes + c.length <= this.#opts.bufferSize) {
      this.#mem.push(c);
      this.#memBytes += c.length;
      return;
    }
    this.#append(c);
  }

  #pendingBytes = 0;

  #append(c: Buffer): void {
    this.#pendingWrites++;
    this.#pendingBytes += c.length;
    if (this.#fileWritten - this.#fileRead + this.#pendingBytes > this.#opts.maxTempFileSize && !this.#pausedForCap) {
      // Past max_temp_file_size: stop reading the upstream until the client catches up.
      this.#pausedForCap = true;
      this.#up.pause();
    }
    this.#writeChain = this.#writeChain.then(async () => {
      if (this.#done) return;
      const f = await this.#openFile();
      let off = 0;
      while (off < c.length) {
        const { bytesWritten } = await f.write(c, off, c.length - off, this.#fileWritten + off);
        off += bytesWritten;
      }
      this.#fileWritten += c.length;
      this.#pendingBytes -= c.length;
      this.#pendingWrites--;
      if (!this.#flushing && this.#res.writableNeedDrain === false) this.#flush();
    }).catch((err: Error) => this.#fail(err));
  }

  #openFile(): Promise<FileHandle> {
    if (this.#file) return Promise.resolve(this.#file);
    this.#fileOpening ??= openAnonymousTempFile(this.#opts.tempPath).then((f) => {
      if (this.#done) {
        void f.close();
        throw new Error('response already finished');
      }
      this.#file = f;
      return f;
    });
    return this.#fileOpening;
  }

  /** Writes waiting data to the client until it pushes back; ends the response when all is sent. */
  #flush(): void {
    if (this.#flushing || this.#done) return;
    this.#flushing = true;
    void this.#flushAsync()
      .catch((err: Error) => this.#fail(err))
      .finally(() => {
        this.#flushing = false;
        // A file write may have completed while this pass was finishing: go again if data waits.
        if (!this.#done && this.#backlogged && !this.#res.writableNeedDrain && this.#pendingWrites === 0) this.#flush();
      });
  }

  async #flushAsync(): Promise<void> {
    const res = this.#res;
    while (this.#mem.length > 0) {
      const c = this.#mem.shift()!;
      this.#memBytes -= c.length;
      if (!res.write(c)) return;
    }
    while (this.#fileRead < this.#fileWritten && this.#file) {
      const want = Math.min(READ_CHUNK, this.#fileWritten - this.#fileRead);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.#file.read(buf, 0, want, this.#fileRead);
      if (this.#done) return;
      if (bytesRead === 0) throw new Error('temp file shorter than expected');
      this.#fileRead += bytesRead;
      if (this.#fileRead === this.#fileWritten && this.#pendingWrites === 0) {
        // Drained: later chunks may start at the beginning again (bounded disk use).
        this.#fileRead = this.#fileWritten = 0;
      }
      if (this.#pausedForCap && this.#fileWritten - this.#fileRead + this.#pendingBytes <= this.#opts.maxTempFileSize / 2) {
        this.#pausedForCap = false;
        this.#up.resume();
      }
      if (!res.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))) return;
    }
    if (this.#pendingWrites > 0) return; // the write completion calls #flush again
    this.#backlogged = false;
    if (this.#pausedForCap) {
      this.#pausedForCap = false;
      this.#up.resume();
    }
    if (this.#upEnded) this.#finishClient();
  }

  #finishClient(): void {
    if (this.#done) return;
    this.#res.end();
  }

  #fail(err: Error): void {
    if (this.#done) return;
    this.#events.upstreamFailed(err);
    // The status line is out: the only way to tell the client the body is incomplete is to cut the connection.
    this.#res.destroy(err);
    this.#cleanup();
  }

  #cleanup(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#upEnded) this.#up.destroy();
    this.#mem.length = 0;
    const f = this.#file;
    this.#file = undefined;
    const closing = f ? f.close().catch(() => undefined) : this.#fileOpening?.then((x) => x.close()).catch(() => undefined);
    void Promise.resolve(closing).finally(() => this.#events.finished());
  }
}

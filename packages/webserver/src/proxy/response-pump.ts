/**
 * Moves an upstream response body to the client. Buffered (nginx's `proxy_buffering on`): the
 * upstream is read as fast as it sends, what the client cannot take yet waits in memory up to
 * `bufferSize` and then in an anonymous temp file up to `maxTempFileSize`, so a slow reader never
 * holds an app worker; past that cap the upstream is paused (backpressure). Unbuffered: each chunk
 * is written as it comes (SSE, long polling) and the upstream waits for a slow client.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { openAnonymousTempFile } from './temp-file.js';

const READ_CHUNK = 64 * 1024;
/** Bytes queued for the temp file before the upstream is paused (the disk is slower than the network). */
const PENDING_MAX = 1024 * 1024;

/** Settings of one pump. */
export interface PumpOptions {
  readonly buffering: boolean;
  readonly bufferSize: number;
  readonly maxTempFileSize: number;
  readonly tempPath: string;
}

/** The upstream side, as the pump controls it. */
export interface PumpSource {
  /** Continue reading after {@link ResponsePump.write} returned false. */
  resume(): void;
  /** Stop the upstream response (the client went away or the pump failed). */
  abort(err: Error): void;
}

/** Pumps one response; see the module comment. Feed it with write(), end() and fail(). */
export class ResponsePump {
  readonly #res: ServerResponse;
  readonly #opts: PumpOptions;
  readonly #source: PumpSource;
  /** Chunks waiting in memory (they precede whatever waits in the file). */
  readonly #mem: Buffer[] = [];
  #memBytes = 0;
  #file: FileHandle | undefined;
  #fileOpening: Promise<FileHandle> | undefined;
  /** Bytes appended (completed writes) and read back, as positions in the file. */
  #fileWritten = 0;
  #fileRead = 0;
  #pendingBytes = 0;
  #pendingWrites = 0;
  /** Writes queued to the file, in order (made on the first spill: most responses never spill). */
  #writeChain: Promise<void> | undefined;
  #backlogged = false;
  #flushing = false;
  #upEnded = false;
  #done = false;
  /** The source was told to pause (client backpressure when streaming, temp file cap when buffering). */
  #sourcePaused = false;
  /** The upstream's trailer section to pass on, if any. */
  #trailers: Readonly<Record<string, string | string[]>> | undefined;
  #drainListened = false;

  constructor(res: ServerResponse, opts: PumpOptions, source: PumpSource) {
    this.#res = res;
    this.#opts = opts;
    this.#source = source;
    // No 'close' listener: the owner calls clientClosed() from its own.
  }

  /**
   * The 'drain' listener, added on the first write the client pushes back on: most responses are
   * written at once and never wait for one. Measured 2026-12-06 (node 20, a pump over a stub
   * response: construct, one write, end, clientClosed; interleaved runs in one process): 0.21 ->
   * 0.13 us per response with the empty-array check in #cleanup (V8's `length = 0` is a runtime
   * call even on an empty array); small beside the ~80 us of CPU a proxied request costs (bench/README.md).
   */
  #awaitDrain(): void {
    if (this.#drainListened) return;
    this.#drainListened = true;
    this.#res.on('drain', () => {
      if (this.#opts.buffering) this.#flush();
      else this.#resumeSource();
    });
  }

  /** The client connection closed (finished or not): frees everything. */
  clientClosed(): void {
    this.#cleanup();
  }

  /** A body chunk from the upstream; false asks the source to pause until resume(). */
  write(c: Buffer): boolean {
    if (this.#done) return false;
    if (!this.#opts.buffering) {
      if (this.#res.write(c)) return true;
      this.#sourcePaused = true;
      this.#awaitDrain();
      return false;
    }
    if (!this.#backlogged) {
      if (!this.#res.write(c)) {
        this.#backlogged = true;
        this.#awaitDrain();
      }
      return true;
    }
    const fileUnread = this.#fileWritten - this.#fileRead + this.#pendingBytes;
    if (fileUnread === 0 && this.#memBytes + c.length <= this.#opts.bufferSize) {
      this.#mem.push(c);
      this.#memBytes += c.length;
      return true;
    }
    this.#append(c);
    if (fileUnread + c.length > this.#opts.maxTempFileSize || this.#pendingBytes > PENDING_MAX) {
      // Past max_temp_file_size (or ahead of the disk): pause the upstream until the client (or the disk) catches up.
      this.#sourcePaused = true;
      return false;
    }
    return true;
  }

  /** The upstream body is complete; `trailers` (already filtered) follow the last byte. */
  end(trailers?: Readonly<Record<string, string | string[]>>): void {
    this.#upEnded = true;
    this.#trailers = trailers;
    if (!this.#backlogged) this.#finishClient();
  }

  /** The upstream failed mid-body: the status line is out, so the client connection is cut. */
  fail(err: Error): void {
    if (this.#done) return;
    this.#upEnded = true;
    this.#res.destroy(err);
    this.#cleanup();
  }

  #resumeSource(): void {
    if (!this.#sourcePaused || this.#done) return;
    this.#sourcePaused = false;
    this.#source.resume();
  }

  #append(c: Buffer): void {
    this.#pendingWrites++;
    this.#pendingBytes += c.length;
    this.#writeChain = (this.#writeChain ?? Promise.resolve())
      .then(async () => {
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
        if (this.#pendingBytes <= PENDING_MAX / 2 && this.#fileWritten - this.#fileRead <= this.#opts.maxTempFileSize / 2) this.#resumeSource();
        if (!this.#flushing && !this.#res.writableNeedDrain) this.#flush();
      })
      .catch((err: Error) => this.#abort(err));
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
      .catch((err: Error) => this.#abort(err))
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
      if (this.#sourcePaused && this.#pendingBytes <= PENDING_MAX / 2 && this.#fileWritten - this.#fileRead + this.#pendingBytes <= this.#opts.maxTempFileSize / 2) {
        this.#resumeSource();
      }
      if (!res.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))) return;
    }
    if (this.#pendingWrites > 0) return; // the write completion calls #flush again
    this.#backlogged = false;
    this.#resumeSource();
    if (this.#upEnded) this.#finishClient();
  }

  #finishClient(): void {
    if (this.#done) return;
    // node writes them in the last chunk (chunked HTTP/1.1) or a trailing HEADERS frame (HTTP/2),
    // and drops them where the message cannot carry any.
    if (this.#trailers !== undefined) this.#res.addTrailers(this.#trailers);
    this.#res.end();
  }

  /** A local failure (temp file): stop both sides. */
  #abort(err: Error): void {
    if (this.#done) return;
    this.#res.destroy(err);
    this.#cleanup();
  }

  #cleanup(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#upEnded) this.#source.abort(Object.assign(new Error('client went away'), { code: 'ERR_PROXY_CLIENT_GONE' }));
    if (this.#mem.length > 0) this.#mem.length = 0;
    // A temp file still opening is closed by #openFile when it arrives (#done is set).
    void this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }
}

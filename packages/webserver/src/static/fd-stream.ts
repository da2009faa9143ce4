/**
 * A readable stream over `[start, end]` of an open descriptor that is NOT its own.
 *
 * Why not `fs.createReadStream({ fd, autoClose: false })`: an explicit `destroy()` — which
 * `pipeline` performs when the client goes away — still closes the descriptor. With a
 * descriptor shared by concurrent responses that is a use-after-close: the number is reused by
 * the next socket and libuv aborts the process. This stream only reads (positional `pread`,
 * so concurrent streams never disturb each other), and calls `done` once, after any read in
 * flight has finished, so the owner may close the descriptor safely.
 * @module
 */
import { read } from 'node:fs';
import { Readable } from 'node:stream';

export class FdRangeStream extends Readable {
  readonly #fd: number;
  #pos: number;
  readonly #end: number; // inclusive
  readonly #chunk: number;
  #reading = false;
  #afterRead: (() => void) | undefined;
  #done: (() => void) | undefined;
  /** Bytes read so far. */
  bytesRead = 0;

  constructor(fd: number, start: number, end: number, chunk: number, done: () => void) {
    super({ highWaterMark: chunk });
    this.#fd = fd;
    this.#pos = start;
    this.#end = end;
    this.#chunk = chunk;
    this.#done = done;
  }

  override _read(): void {
    const left = this.#end - this.#pos + 1;
    if (left <= 0) {
      this.push(null);
      return;
    }
    const len = Math.min(left, this.#chunk);
    const buf = Buffer.allocUnsafe(len);
    this.#reading = true;
    read(this.#fd, buf, 0, len, this.#pos, (err, n) => {
      this.#reading = false;
      const after = this.#afterRead;
      if (after !== undefined) {
        after();
        return;
      }
      if (err !== null) {
        this.destroy(err);
        return;
      }
      if (n === 0) {
        this.push(null); // the file shrank: the caller compares bytesRead with what it promised
        return;
      }
      this.#pos += n;
      this.bytesRead += n;
      this.push(n === len ? buf : buf.subarray(0, n));
      if (this.#pos > this.#end) this.push(null);
    });
  }

  #finish(): void {
    const done = this.#done;
    this.#done = undefined;
    done?.();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (this.#reading) {
      this.#afterRead = () => this.#finish();
    } else {
      this.#finish();
    }
    cb(err);
  }
}

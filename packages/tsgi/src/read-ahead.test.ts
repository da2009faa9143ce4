/**
 * read-ahead.ts: the end of a body is known without a second read when node's record says the
 * stream has closed (known-response.ts, `streamClosed`), and found by the read otherwise; a live
 * stream is never waited on. The writers' behaviour with each kind of body is write-response.test.ts's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAhead } from './read-ahead.js';
import { streamClosed, streamStateSymbol } from './known-response.js';

const bytes = new TextEncoder().encode('hello');

/** A reader that counts its reads. */
function counting(stream: ReadableStream<Uint8Array>): { reader: ReadableStreamDefaultReader<Uint8Array>; reads: () => number } {
  const real = stream.getReader();
  let reads = 0;
  const reader = {
    read: () => {
      reads++;
      return real.read();
    },
  } as unknown as ReadableStreamDefaultReader<Uint8Array>;
  return { reader, reads: () => reads };
}

/** A stream holding one chunk and already closed: empty, and closed, once that chunk is read. */
function oneChunk(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

describe('read-ahead', () => {
  it('streamClosed: node\'s record read on both paths; without it the answer is false (read on)', async () => {
    if (process.versions.node.startsWith('20.') || process.versions.node.startsWith('24.')) {
      assert.ok(streamStateSymbol() !== undefined, 'node keeps its webstreams state on Node 20 and 24');
    }
    const open = new ReadableStream();
    assert.equal(streamClosed(open), false);
    const stream = oneChunk();
    const reader = stream.getReader();
    assert.equal(streamClosed(stream), false, 'a chunk still queued');
    await reader.read();
    assert.equal(streamClosed(stream), streamStateSymbol() !== undefined, 'read empty and closed');
    assert.equal(streamClosed(stream, null), false, 'the path without the record');
    assert.equal(streamClosed({} as ReadableStream), false, 'not one of node\'s streams');
  });

  it('a closed stream: ended without a second read; without the stream, by the read', async () => {
    for (const withStream of [true, false]) {
      const stream = oneChunk();
      const { reader, reads } = counting(stream);
      const first = await reader.read();
      assert.deepEqual(first.value, bytes);
      const ahead = await readAhead(reader, withStream ? stream : undefined);
      assert.equal(ahead.second?.done, true, `ended (${withStream ? 'with' : 'without'} the stream)`);
      assert.equal((await ahead.pending).done, true);
      assert.equal(reads(), withStream && streamStateSymbol() !== undefined ? 1 : 2, `reads (${withStream ? 'with' : 'without'} the stream)`);
    }
  });

  it('a Response\'s in-memory body ends at once; a live stream is not waited for', async () => {
    const body = new Response('hello').body!;
    const reader = body.getReader();
    await reader.read();
    assert.equal((await readAhead(reader, body)).second?.done, true);

    let push: ((chunk: Uint8Array) => void) | undefined;
    const live = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        push = (chunk) => controller.enqueue(chunk);
      },
    });
    const liveReader = live.getReader();
    await liveReader.read();
    const ahead = await readAhead(liveReader, live);
    assert.equal(ahead.second, undefined, 'the second chunk has not come');
    push!(bytes);
    assert.deepEqual((await ahead.pending).value, bytes, 'the pending read gets it');
  });
});

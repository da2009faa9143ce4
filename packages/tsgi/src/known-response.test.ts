import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownResponse, streamStateSymbol, streamLocked } from './known-response.js';

describe('known-response: a standard Response read from the runtime\'s record', () => {
  it('streamLocked: node\'s state field and the locked getter agree, on both paths', () => {
    // Node 20 keeps a reader field in its webstreams state; a runtime that does not has only the getter path.
    if (process.versions.node.startsWith('20.')) assert.ok(streamStateSymbol() !== undefined, 'Node 20: the state path is found');
    // null, not undefined: undefined would select the default (the state path) again.
    for (const symbol of [streamStateSymbol(), null]) {
      const stream = new ReadableStream();
      assert.equal(streamLocked(stream, symbol), false, `unlocked (${String(symbol)})`);
      const reader = stream.getReader();
      assert.equal(streamLocked(stream, symbol), true, `locked (${String(symbol)})`);
      reader.releaseLock();
      assert.equal(streamLocked(stream, symbol), false, `released (${String(symbol)})`);
    }
  });

  it('streamLocked: a stream without node\'s record is asked through its getter', () => {
    const foreign = { locked: true } as unknown as ReadableStream;
    assert.equal(streamLocked(foreign), true);
    assert.equal(streamLocked({ locked: false } as unknown as ReadableStream), false);
  });

  it('knownResponse: the body while nothing took the stream; undefined once a reader did', async () => {
    const fresh = new Response('hello', { status: 201, headers: { 'x-a': '1' } });
    const known = knownResponse(fresh);
    // Node 22+ keeps the response in private fields: no shortcut there, the writer reads the public surface.
    if (!process.versions.node.startsWith('20.')) return assert.equal(known, undefined);
    if (known === undefined) return assert.fail('Node 20 keeps the response in its state slot: the shortcut applies');
    assert.equal(known.status, 201);
    assert.equal(known.body, 'hello');
    assert.deepEqual([known.headers.indexOf('x-a') % 2, known.headers[known.headers.indexOf('x-a') + 1]], [0, '1']);
    const taken = new Response('hello');
    const reader = taken.body!.getReader();
    assert.equal(knownResponse(taken), undefined, 'a locked body is read through the stream');
    await reader.cancel();
  });
});

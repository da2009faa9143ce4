/**
 * The poll's rules with a counting GC (no release while requests start or are in flight, one per
 * idle spell, a new spell after a request, a GC that cannot be had turns it off once), another
 * GC while the last gave memory back (with V8's own gc() and 32 MB to give back), and V8's
 * own gc() taken without exposing it to apps. The servers' tests run it in real workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { exposedGc, IdleMemoryRelease, type CollectGarbage, type IdleMemoryEvents } from './idle-memory-release.js';

/** A release over a fake worker: `state` is what the worker would report. */
function harness(afterSeconds: number, source?: () => CollectGarbage) {
  const state = { started: 0, busy: false, collected: 0, released: 0, unavailable: [] as Error[] };
  const events: IdleMemoryEvents = {
    started: () => state.started,
    busy: () => state.busy,
    onRelease: () => state.released++,
    onUnavailable: (error) => state.unavailable.push(error),
  };
  const countingGc = (() => state.collected++) as CollectGarbage;
  const release = IdleMemoryRelease.start(afterSeconds, events, source ?? (() => countingGc));
  assert.ok(release);
  release.stop(); // the test polls by hand
  return { state, release };
}

describe('IdleMemoryRelease', () => {
  it('releases once the worker has started no request for the set time, once a spell', () => {
    const { state, release } = harness(3); // one poll a second: 3 quiet polls
    release.poll(); // first look: a new count
    for (let i = 0; i < 2; i++) release.poll();
    assert.equal(state.released, 0, 'two quiet seconds are not three');
    release.poll();
    assert.equal(state.released, 1);
    for (let i = 0; i < 10; i++) release.poll();
    assert.equal(state.released, 1, 'one release per idle spell');
    state.started++;
    release.poll();
    for (let i = 0; i < 3; i++) release.poll();
    assert.equal(state.released, 2, 'a request starts a new spell');
  });

  it('runs another GC at the next poll while the last gave back a megabyte or more, up to three a spell', () => {
    const realGc = exposedGc();
    realGc();
    // 32 MB in V8's large-object space, given back by the first full GC that finds it unreachable.
    let garbage: number[] | null = new Array<number>(4_000_000).fill(1);
    const freeing = (() => {
      garbage = null;
      realGc();
    }) as CollectGarbage;
    const { state, release } = harness(2, () => freeing); // one poll a second: 2 quiet polls
    assert.equal(garbage?.length, 4_000_000);
    release.poll(); // first look: a new count
    release.poll();
    assert.equal(state.released, 0);
    release.poll();
    assert.equal(state.released, 1, 'the idle spell\'s release');
    release.poll();
    assert.equal(state.released, 2, 'the first gave back 32 MB: one more');
    for (let i = 0; i < 5; i++) release.poll();
    assert.equal(state.released, 2, 'the second gave back nothing: done for this spell');
  });

  it('never releases while requests keep starting or one is in flight', () => {
    const { state, release } = harness(2);
    for (let i = 0; i < 10; i++) {
      state.started++;
      release.poll();
    }
    assert.equal(state.released, 0);
    state.busy = true; // a long request: no new starts, but not idle
    for (let i = 0; i < 10; i++) release.poll();
    assert.equal(state.released, 0);
    state.busy = false;
    release.poll();
    assert.equal(state.released, 1);
  });

  it('a GC function that cannot be had turns the release off, said once', () => {
    const { state, release } = harness(1, () => {
      throw new Error('no gc here');
    });
    for (let i = 0; i < 5; i++) {
      state.started++;
      for (let j = 0; j < 4; j++) release.poll();
    }
    assert.equal(state.released, 0);
    assert.deepEqual(
      state.unavailable.map((e) => e.message),
      ['no gc here'],
    );
  });

  it('0 means never', () => {
    assert.equal(IdleMemoryRelease.start(0, { started: () => 0, busy: () => false, onRelease() {}, onUnavailable() {} }), undefined);
  });

  it("V8's gc() is had without exposing it to the app or to later contexts", () => {
    const gc = exposedGc();
    assert.equal(typeof gc, 'function');
    gc();
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
    assert.equal(runInNewContext('typeof gc'), 'undefined');
  });
});

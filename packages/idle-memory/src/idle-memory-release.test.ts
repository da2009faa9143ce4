/**
 * The poll's rules with a counting GC (no release while requests start or are in flight, one per
 * idle spell, a new spell after a request, a GC that cannot be had turns it off once), and V8's
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

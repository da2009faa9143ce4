/**
 * The poll's rules with a counting GC (no release while requests start or are in flight, one per
 * idle spell, a new spell after a request, a GC that cannot be had turns it off once), another
 * GC while the last gave memory back (with V8's own gc() and 32 MB to give back), and V8's
 * own gc() taken without exposing it to apps. The servers' tests run it in real workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { waitFor } from 'tsgi-test-support';
import { exposedGc, IdleMemoryRelease, worthAnotherGc, type CollectGarbage, type IdleMemoryEvents } from './idle-memory-release.js';

/** V8's major version: Node 20 runs V8 11, Node 22+ V8 12+. */
const V8_MAJOR = Number(process.versions.v8.split('.')[0]);

/**
 * V8's own gc() with 32 MB in its large-object space that the first full GC finds unreachable and
 * gives back (so the release's first GC is worth a follow-up); a young-generation GC (Node 20's
 * step before the release) leaves it.
 */
function gcWith32MbToGiveBack(): CollectGarbage {
  const realGc = exposedGc();
  realGc();
  let garbage: number[] | null = new Array<number>(4_000_000).fill(1);
  assert.equal(garbage.length, 4_000_000);
  const gc: CollectGarbage = (options) => {
    if (options?.type === 'minor') return realGc(options);
    garbage = null;
    realGc(options);
  };
  return gc;
}

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

  it('on V8 11 (Node 20) runs a young-generation GC 5 s before the release, not while busy, not on V8 12+', () => {
    const calls: unknown[] = [];
    const recording = ((options?: object) => calls.push(options ?? 'full')) as CollectGarbage;
    const { state, release } = harness(8, () => recording); // one poll a second: the release at the 8th quiet poll
    const prepared = V8_MAJOR < 12 ? [{ type: 'minor' }] : [];
    release.poll(); // first look: a new count
    release.poll();
    release.poll();
    assert.deepEqual(calls, [], 'two quiet seconds: nothing yet');
    release.poll(); // the 3rd quiet poll: 5 s before the 8th
    assert.deepEqual(calls, prepared);
    for (let i = 0; i < 4; i++) release.poll();
    assert.equal(state.released, 0);
    release.poll(); // the 8th
    assert.equal(state.released, 1);
    assert.deepEqual(calls.slice(0, prepared.length), prepared, 'prepared once, before the release');
    // A request in flight at that poll: no GC under it.
    calls.length = 0;
    state.started++;
    state.busy = true;
    for (let i = 0; i < 4; i++) release.poll();
    assert.deepEqual(calls, []);
  });

  it('runs another GC 100 ms after one that gave back 32 MB (not a poll later), up to three a spell', async () => {
    const freeing = gcWith32MbToGiveBack();
    const state = { looks: 0, releasedAt: [] as number[] };
    const events: IdleMemoryEvents = {
      started: () => (state.looks++, 0),
      busy: () => false,
      onRelease: () => state.releasedAt.push(performance.now()),
      onUnavailable: (error) => assert.fail(error),
    };
    const release = IdleMemoryRelease.start(2, events, () => freeing); // a poll a second: 2 quiet polls
    try {
      await waitFor(() => state.releasedAt.length >= 2, { what: 'two GCs' });
      const [first, second] = state.releasedAt as [number, number];
      // A poll comes 1 s after the last ran at the soonest; 900 ms leaves a loaded machine 800 ms of delay.
      assert.ok(second - first < 900, `the follow-up came ${Math.round(second - first)} ms after the first, not a poll (1 s) later`);
      const looks = state.looks;
      await waitFor(() => state.looks >= looks + 3, { what: 'three more polls' }); // any follow-up is long due
      // The second gives back less than 1 MB; whether a third runs depends on the young generation
      // (worthAnotherGc, tested below), never a fourth.
      assert.ok(state.releasedAt.length <= 3, `${state.releasedAt.length} GCs in one idle spell`);
    } finally {
      release?.stop();
    }
  });

  it('a request that starts after a release ends the spell: no follow-up GC, the next spell releases anew', async () => {
    const freeing = gcWith32MbToGiveBack();
    // `looks` counts the release's looks at the worker: a new spell's release comes after the look
    // that sees the new request and two quiet polls; a follow-up would come without them.
    const state = { started: 0, looks: 0, releases: [] as Array<{ started: number; looks: number }> };
    const events: IdleMemoryEvents = {
      started: () => (state.looks++, state.started),
      busy: () => false,
      onRelease: () => {
        state.releases.push({ started: state.started, looks: state.looks });
        if (state.releases.length === 1) state.started++; // a request arrives right after the first GC
      },
      onUnavailable: (error) => assert.fail(error),
    };
    const release = IdleMemoryRelease.start(0.2, events, () => freeing); // a poll every 100 ms: 2 quiet polls
    try {
      await waitFor(() => state.releases.length >= 2, { what: 'two GCs' });
      const [first, second] = state.releases as [{ started: number; looks: number }, { started: number; looks: number }];
      assert.equal(first.started, 0);
      assert.equal(second.started, 1, 'the second GC belongs to the spell after the request');
      assert.ok(second.looks - first.looks >= 3, `the first spell's follow-up (32 MB given back) did not run: ${second.looks - first.looks} looks between the two GCs`);
    } finally {
      release?.stop();
    }
  });

  it('gives back a fragmented old generation (V8 11: compacting around its GC; V8 12+: a last-resort GC)', async () => {
    const gc = exposedGc();
    /** Old-generation objects with every other one dropped: pages half full. */
    const fragment = (): object[] => {
      const all: object[] = [];
      for (let i = 0; i < 400_000; i++) all.push({ a: i, b: `x${i}`, c: [i] });
      gc();
      gc(); // promoted
      return all.filter((_, i) => i % 2 === 0);
    };
    const heapMb = () => process.memoryUsage().heapTotal / 1048576;
    const kept = fragment();
    gc();
    const fragmented = heapMb();
    let released = 0;
    const release = IdleMemoryRelease.start(0.2, { started: () => 0, busy: () => false, onRelease: () => released++, onUnavailable: (error) => assert.fail(error) });
    try {
      await waitFor(() => released >= 1, { what: 'the release' });
    } finally {
      release?.stop();
    }
    const afterRelease = heapMb();
    assert.ok(fragmented - afterRelease >= 10, `the release gave back ${(fragmented - afterRelease).toFixed(1)} MB of a fragmented heap of ${fragmented.toFixed(1)} MB`);
    assert.equal(kept.length, 200_000);
  });

  it('another GC follows while the last gave back 1 MB or more, or the young generation stays above twice its start', () => {
    const MB = 1024 * 1024;
    assert.equal(worthAnotherGc(32 * MB, 1 * MB, 1 * MB), true, 'gave back 32 MB');
    assert.equal(worthAnotherGc(1 * MB, 1 * MB, 1 * MB), true, 'gave back 1 MB');
    assert.equal(worthAnotherGc(MB - 1, 2 * MB, 1 * MB), false, 'gave back less, the young generation at twice its start');
    assert.equal(worthAnotherGc(0, 2 * MB + 1, 1 * MB), true, 'the young generation still grown');
    assert.equal(worthAnotherGc(-MB, 1 * MB, 1 * MB), false, 'the heap grew');
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

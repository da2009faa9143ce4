// Passive health of one server (max_fails/fail_timeout) and how a passing active check ends it, on UpstreamServer directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamServer } from './upstream-server.js';
import { IdleCache } from './idle-cache.js';
import { serverOptions } from './test-fixtures/helpers.js';

test('a failure takes the server out once (logged once); more failures while out only extend fail_timeout', () => {
  const s = new UpstreamServer(serverOptions('a', 9000, { maxFails: 2, failTimeoutMs: 10_000 }), new IdleCache(1), 1000);
  assert.equal(s.recordFailure(1_000), false, 'one failure of max_fails 2');
  assert.equal(s.recordFailure(1_001), true, 'the second takes it out');
  assert.equal(s.available(1_002), false);
  assert.equal(s.recordFailure(1_003), false);
  assert.equal(s.recordFailure(1_004), false, 'already out: not reported again');
  assert.equal(s.available(11_003), false, 'extended from the last mark');
  assert.equal(s.available(11_005), true);
  assert.equal(s.failures, 4);
  s.destroy();
});

test('a passing check ends a passive mark set before it began, not one set while it ran', () => {
  const s = new UpstreamServer(serverOptions('a', 9000), new IdleCache(1), 1000);
  assert.equal(s.checkPassed(500), false, 'nothing to end');
  s.recordFailure(1_000);
  assert.equal(s.available(1_500), false);
  assert.equal(s.checkPassed(900), false, 'the check began before the failure: its pass may predate it');
  assert.equal(s.available(1_500), false);
  assert.equal(s.checkPassed(1_200), true, 'began after the failure: the server answered since');
  assert.equal(s.available(1_500), true, 'back before fail_timeout (10 s)');
  assert.equal(s.checkPassed(1_300), false, 'already ended');
  s.destroy();
});

test('a server alone in its upstream is never marked, so no check has anything to end', () => {
  const s = new UpstreamServer(serverOptions('a', 9000), new IdleCache(1), 1000, true);
  assert.equal(s.recordFailure(1_000), false);
  assert.equal(s.available(1_001), true);
  assert.equal(s.checkPassed(2_000), false);
  s.destroy();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertStaysQuiet, waitFor } from './wait.js';

test('waitFor returns the first value that is not undefined, null or false', async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? `after ${n}` : undefined)), 'after 3');
  assert.equal(await waitFor(async () => 0), 0, '0 is a value, not "not yet"');
});

test('waitFor throws at the deadline, naming what it waited for and the state reached', async () => {
  const started = Date.now();
  await assert.rejects(waitFor(() => false, { timeoutMs: 50, what: () => 'the thing (state: 7)' }), /timed out after 50 ms waiting for the thing \(state: 7\)/);
  assert.ok(Date.now() - started >= 50);
});

test('assertStaysQuiet passes when nothing happens and fails as soon as something does', async () => {
  await assertStaysQuiet(30, () => false, 'event');
  let calls = 0;
  const started = Date.now();
  await assert.rejects(assertStaysQuiet(10_000, () => ++calls >= 2, 'second call'), { name: 'AssertionError', message: /expected no second call within 10000 ms/ });
  assert.ok(Date.now() - started < 5_000, 'it did not wait out the whole window');
});

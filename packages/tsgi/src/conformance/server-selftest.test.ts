/**
 * The server suite can fail: run against a deliberately naive server (testdata/naive-server.kit.ts)
 * in a child process, it must report the flaws that server has, case by case.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

/** Cases the naive server must fail, each for a flaw it really has. */
const MUST_FAIL = [
  'S-CTX', // serverName keeps the port
  'S-CTX-SERVER-ONCE', // a new context.server per request
  'S-HOP', // app hop-by-hop headers passed through
  'S-BODY-BACKPRESSURE', // the request body is buffered whole before the app runs
  'S-SIGNAL-NORMAL', // every signal aborted when the response ends
  'S-COMPLETED', // no completed promise
  'S-STATE', // no startup run
  'S-MOUNT-404', // mount path ignored
  'S-LIMIT-BODY', // limits ignored
  'S-PROXY-TRUSTED', // forwarding headers ignored even from loopback
  'S-ERR-NOT-RESPONSE', // a non-Response is written as if it were one
  'S-STARTUP-FAIL', // startup never run, so never fails
  'S-FIX valid/010', // duplicate fields: rawHeaders joined and lower-cased
  'S-FIX valid/006', // HTTP/1.0 reported as HTTP/1.1
];

it('[S-SELFTEST] the server suite catches the flaws of a naive server', () => {
  const file = fileURLToPath(new URL('./testdata/naive-server.kit.ts', import.meta.url));
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of printing TAP
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  assert.notEqual(result.status, 0, 'the suite passed a naive server');
  const failed = new Set([...result.stdout.matchAll(/^\s*not ok \d+ - \[([^\]]+)\]/gm)].map((m) => m[1]));
  const passed = new Set([...result.stdout.matchAll(/^\s*ok \d+ - \[([^\]]+)\]/gm)].map((m) => m[1]));
  for (const tag of MUST_FAIL) assert.ok(failed.has(tag), `the kit did not catch the naive server's flaw in ${tag}`);
  // Sanity: the harness worked at all, so the failures above are about the server.
  assert.ok(passed.has('S-KEEPALIVE') || passed.has('S-PIPELINE'), `nothing passed: the naive harness itself is broken\n${result.stdout.slice(0, 2000)}`);
});

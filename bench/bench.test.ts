// Proves the bench harness works end to end (a 1-second smoke run); it asserts nothing about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('npm run bench --quick writes a JSON row with positive numbers', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--duration', '1', '--only', '^gateway/raw node:http$', '--json', out], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /raw node:http/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.results.length, 1);
    const [row] = json.results;
    assert.equal(row.name, 'raw node:http');
    assert.equal(row.error, undefined);
    assert.ok(row.rps > 0, `rps ${row.rps}`);
    assert.ok(row.requests > 0);
    assert.ok(row.p99ms >= row.p50ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

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

test('--repeat 2 runs every row twice, round by round, and reports the median run with every run kept', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--duration', '1', '--repeat', '2', '--only', '^gateway/raw node:http$', '--json', out], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /round 1 of 2[\s\S]*round 2 of 2/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.results.length, 1, 'one result per row, not per run');
    const [row] = json.results;
    assert.equal(row.runs.length, 2);
    assert.ok(row.runs.every((n: number) => n > 0), `runs ${row.runs}`);
    assert.equal(Math.round(row.rps), Math.min(...row.runs), 'of two runs the median is the lower one');
    assert.match(run.stdout, new RegExp(`runs ${row.runs.join('/')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--repeat refuses anything but a whole number from 1 to 20', () => {
  for (const bad of ['0', '21', '1.5', 'x']) {
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--repeat', bad, '--only', '^$'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2, bad);
    assert.match(run.stderr, /--repeat takes a whole number from 1 to 20/);
  }
});

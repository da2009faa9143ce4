#!/usr/bin/env node
// `npm run bench:compare -- --baseline DIR`: this tree against another checkout (built), row by
// row. Each row runs on one tree and at once on the other (which goes first alternates), so the
// two runs of a pair are seconds apart. On a shared VM whose speed drifts by 20-50% over minutes,
// whole runs (every row on one tree, then every row on the other) put b99cc14 and main 0.83-1.10
// apart by row in five rounds, where the per-request instruction counts differed by 2% at most;
// pairs seconds apart put them 0.96-1.10 apart by the median pair, and rows with no tsgi code
// 0.95-1.03 (2026-12-07, README "Before and after, seventh session").
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { measureOf } from './report.mjs';
import { rows } from './rows.mjs';

const { values: opts } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage = `usage: npm run bench:compare -- --baseline DIR [--rounds N] [--only REGEX] [--duration S] [--warmup S] [--connections N] [--json FILE]
  --baseline DIR    another checkout of this repository, installed and built (npm ci && npx tsc -b)
  --rounds N        pairs per row (default 3); the table gives each side's median, every pair's
                    ratio and the median of the pairs
  --only REGEX      the rows whose "group/name" matches (default: every row of this tree)
  --duration S, --warmup S, --connections N   passed to both trees' bench/run.mjs (npm run bench -- --help)
  --json FILE       every run, by row and side (default bench/results/<date>-compare.json)`;

if (opts.help) {
  console.log(usage);
  process.exit(0);
}
const fail = (message) => {
  console.error(`bench:compare: ${message}`);
  process.exit(2);
};
if (!opts.baseline) fail(`--baseline DIR is required\n${usage}`);
const baseline = resolve(opts.baseline);
if (!existsSync(join(baseline, 'bench', 'run.mjs'))) fail(`${baseline} has no bench/run.mjs: --baseline takes a checkout of this repository`);
const rounds = Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) fail(`--rounds takes a whole number from 1 to 20, got ${JSON.stringify(opts.rounds)}`);
const only = opts.only ? new RegExp(opts.only) : undefined;
const here = resolve(import.meta.dirname, '..');
const names = rows.map((row) => `${row.group}/${row.name}`).filter((name) => !only || only.test(name));
if (names.length === 0) fail(`no row matches ${opts.only}`);

const passOn = ['duration', 'warmup', 'connections'].flatMap((name) => (opts[name] === undefined ? [] : [`--${name}`, opts[name]]));
const scratch = mkdtempSync(join(tmpdir(), 'bench-compare-'));
const trees = { before: baseline, after: here };
/** Every run: { row, round, side, value, p99ms, error? }. */
const runs = [];
try {
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}`);
    for (const [i, name] of names.entries()) {
      const order = (round + i) % 2 === 1 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        const run = runOne(trees[side], name, join(scratch, `${side}-${round}-${i}.json`));
        runs.push({ row: name, round, side, ...run });
        console.log(`  ${name} (${side}): ${run.error ? `n/a (${run.error})` : Math.round(run.value)}`);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log('');
for (const line of table(runs, 'value')) console.log(line);
const withP99 = runs.filter((r) => Number.isFinite(r.p99ms));
if (withP99.length > 0) {
  console.log('\np99 latency, ms (lower is better):\n');
  for (const line of table(withP99, 'p99ms')) console.log(line);
}
const out = opts.json ?? join(here, 'bench', 'results', `${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}-compare.json`);
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, baseline, after: here, rounds, runs }, null, 2));
console.log(`\nwritten: ${out}`);

/** One row on one tree through that tree's own bench/run.mjs; its measure, or why not. */
function runOne(dir, name, file) {
  const pattern = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const child = spawnSync(process.execPath, ['bench/run.mjs', '--only', pattern, '--json', file, ...passOn], { cwd: dir, encoding: 'utf8' });
  if (child.status !== 0) return { error: `exit ${child.status}: ${(child.stderr || child.stdout).trim().split('\n').pop()}` };
  const result = JSON.parse(readFileSync(file, 'utf8')).results[0];
  if (!result) return { error: 'no such row in this tree' };
  if (result.error) return { error: result.error };
  return { value: measureOf(result), p99ms: result.p99ms ?? null, metric: result.metric ?? 'requests' };
}

/**
 * The markdown table of one figure of the runs (`key`: 'value', the row's measure, or 'p99ms'):
 * each side's median and runs, after/before of the medians, each pair's ratio and their median.
 */
function table(list, key) {
  const lines = [
    '| row | before: median (runs) | after: median (runs) | after/before | each pair | median pair |',
    '|---|---:|---:|---:|---|---:|',
  ];
  const short = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n >= 100 ? n.toFixed(0) : n.toFixed(2));
  for (const name of new Set(list.map((r) => r.row))) {
    const side = (s) => list.filter((r) => r.row === name && r.side === s && r.error === undefined);
    const before = side('before');
    const after = side('after');
    if (before.length === 0 || after.length === 0) {
      const why = list.find((r) => r.row === name && r.error)?.error ?? 'no runs';
      lines.push(`| ${name} | ${before.length ? 'ran' : 'n/a'} | ${after.length ? 'ran' : 'n/a'} | | ${why} | |`);
      continue;
    }
    const mb = median(before.map((r) => r[key]));
    const ma = median(after.map((r) => r[key]));
    // A pair's ratio cancels the machine's drift between rounds; its median is the steadier figure.
    const pairs = after.flatMap((a) => before.filter((b) => b.round === a.round).map((b) => a[key] / b[key]));
    const cell = (xs, m) => `${short(m)} (${xs.map((r) => short(r[key])).join(', ')})`;
    lines.push(`| ${name} | ${cell(before, mb)} | ${cell(after, ma)} | ${(ma / mb).toFixed(2)} | ${pairs.map((p) => p.toFixed(2)).join(', ')} | ${median(pairs).toFixed(2)} |`);
  }
  return lines;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

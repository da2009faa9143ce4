#!/usr/bin/env node
// `npm run bench`: tsgi and its anchors side by side in one run, printed as a table of ratios.
// Each row's server runs pinned to one core, wrk on the other; see bench/README.md.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { expandRows, rows } from './rows.mjs';
import { runRow, loadTool, wsLoadTool } from './runner.mjs';
import { measureOf, printTable } from './report.mjs';
import { chainRun, chainSvg } from './chain-report.mjs';

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    node24: { type: 'boolean', default: false },
    json: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(`usage: npm run bench -- [--duration S] [--warmup S] [--connections N] [--only REGEX] [--quick] [--node24] [--json FILE]
  --duration S      seconds of load per row (default 10)
  --connections N   concurrent connections (default 50)
  --only REGEX      run only rows whose "group/name" matches
  --quick           2 s per row, 1 s warm-up unless --duration or --warmup says otherwise: a smoke
                    run, not a measurement
  --warmup S        seconds of load before each row's measured load (default 3)
  --node24          also run the tsgi rows on Node 24 LTS (fetched with npx node@24)
  --repeat N        run the selected rows N times, round by round, and report each row's median
                    run (its ratio then compares medians; the JSON keeps every run's req/s):
                    on a shared or noisy machine one run can drop a row by 20%
  --json FILE       where to write the results (default bench/results/<date>-node<version>.json)`);
  process.exit(0);
}

const settings = {
  // What is given (option, then environment) wins over --quick's smaller defaults.
  duration: wholeNumber('--duration', opts.duration ?? process.env.BENCH_DURATION ?? (opts.quick ? '2' : '10'), 1),
  warmup: wholeNumber('--warmup', opts.warmup ?? (opts.quick ? '1' : '3'), 0),
  connections: wholeNumber('--connections', opts.connections ?? process.env.BENCH_CONNECTIONS ?? '50', 1),
  node24: opts.node24 ? resolveNode24() : undefined,
};
const only = opts.only ? new RegExp(opts.only) : undefined;
const repeat = Number(opts.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
  console.error(`bench: --repeat takes a whole number from 1 to 20, got ${JSON.stringify(opts.repeat)}`);
  process.exit(2);
}
const tool = loadTool();

console.log(`tsgi bench: node ${process.version}${settings.node24 ? ` and ${settings.node24.version}` : ''}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`);
console.log(`load: ${tool.describe(settings)}; server pinned to core 1, load generator to core 0 (unless the row says otherwise)\n`);

const selected = [...expandRows(rows, settings.node24)].filter((row) => !only || only.test(`${row.group}/${row.name}`));
if (selected.some((row) => row.load === 'websocket')) console.log(`websocket rows: ${wsLoadTool.describe(settings)}, pinned like wrk\n`);
// Round by round (every row once, then again), so a noisy minute hits one run of many rows
// rather than every run of one row.
const runs = selected.map(() => []);
for (let round = 1; round <= repeat; round++) {
  if (repeat > 1) console.log(`round ${round} of ${repeat}`);
  for (const [i, row] of selected.entries()) {
    process.stdout.write(`  ${row.group} / ${row.name} ... `);
    const result = await runRow(row, settings, tool);
    runs[i].push(result);
    console.log(result.error ? `n/a (${result.error})` : progress(result));
  }
}
const results = runs.map(medianRun);
console.log('');
printTable(results);

const out = opts.json ?? join('bench', 'results', `${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}-node${process.versions.node}.json`);
mkdirSync(join(out, '..'), { recursive: true });
const json = { date: new Date().toISOString(), node: process.version, node24: settings.node24?.version, cpu: cpus()[0]?.model, settings: { ...settings, node24: undefined }, tool: tool.name, results };
writeFileSync(out, JSON.stringify(json, null, 2));
console.log(`\nwritten: ${out}`);
if (results.some((r) => r.group === 'chain')) {
  const svg = out.replace(/(\.json)?$/, '-chain.svg');
  writeFileSync(svg, chainSvg(chainRun(json, out)));
  console.log(`written: ${svg} (the README's table and chart: node bench/chain-report.mjs ${out})`);
}

/**
 * The run with the median requests/s (the lower middle one for an even count), with every run's
 * req/s kept in `runs`; a row that failed in every run keeps its last error.
 */
function medianRun(list) {
  const ok = list.filter((r) => !r.error);
  if (ok.length === 0) return list[list.length - 1];
  const sorted = [...ok].sort((a, b) => measureOf(a) - measureOf(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return list.length === 1 ? median : { ...median, runs: list.map((r) => (r.error ? null : Math.round(measureOf(r)))) };
}

/** What a row measured, for the progress line. */
function progress(r) {
  if (r.metric === 'memory') return `${r.rssPer1000Mb.toFixed(1)} MB per 1,000 connections`;
  if (r.metric === 'idle') return r.processes.map((p) => `${p.role} ${p.rssMb} MB`).join(', ');
  return `${Math.round(r.rps)} ${r.metric === 'messages' ? 'messages/s' : 'req/s'}`;
}

/** A whole number of at least `min` from an option, or exit 2 naming the option. */
function wholeNumber(name, text, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: ${name} takes a whole number of at least ${min}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}



/** Finds a Node 24 binary through npx (it comes from the npm registry as a package). */
function resolveNode24() {
  const path = execFileSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], { encoding: 'utf8' }).trim();
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  readFileSync(path); // fails loudly if the path is wrong
  return { path, version };
}

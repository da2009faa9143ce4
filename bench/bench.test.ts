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

test('--quick takes a given --duration and --warmup; a bad number is refused naming the option', () => {
  for (const [flag, bad] of [['--duration', '0'], ['--duration', 'x'], ['--warmup', '-1'], ['--connections', '1.5']]) {
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', `${flag}=${bad}`, '--only', '^$'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2, `${flag} ${bad}`);
    assert.match(run.stderr, new RegExp(`${flag} takes a whole number`));
  }
});

test('bench:compare runs each row on both trees in pairs, alternating which goes first, and tabulates the medians', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'compare.json');
    // This tree against itself: the pairs and the table, not a speed.
    const run = spawnSync(process.execPath, ['bench/compare.mjs', '--baseline', '.', '--rounds', '2', '--duration', '1', '--warmup', '0', '--only', '^gateway/raw node:http$', '--json', out], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(
      json.runs.map((r: { round: number; side: string }) => `${r.round} ${r.side}`),
      ['1 before', '1 after', '2 after', '2 before'],
    );
    assert.ok(json.runs.every((r: { value: number; error?: string }) => r.error === undefined && r.value > 0), JSON.stringify(json.runs));
    const line = run.stdout.split('\n').find((l) => l.startsWith('| gateway/raw node:http |'));
    assert.ok(line, run.stdout);
    const cells = line.split('|').map((c) => c.trim());
    const ratio = Number(cells[4]);
    assert.ok(ratio > 0, line);
    assert.equal(cells[5]!.split(', ').length, 2, 'one ratio per pair');
    const pairs = cells[5]!.split(', ').map(Number);
    // The median of two pairs is their mean (the printed ratios are rounded to 0.01).
    assert.ok(Math.abs(Number(cells[6]) - (pairs[0]! + pairs[1]!) / 2) <= 0.011, line);
    // Each run's p99 is kept, and tabulated the same way after the throughput table.
    assert.ok(json.runs.every((r: { p99ms: number }) => r.p99ms > 0), JSON.stringify(json.runs));
    const [, p99Table] = run.stdout.split('p99 latency, ms (lower is better):');
    assert.ok(p99Table, run.stdout);
    const p99Line = p99Table.split('\n').find((l) => l.startsWith('| gateway/raw node:http |'));
    assert.ok(p99Line, run.stdout);
    const p99Cells = p99Line.split('|').map((c) => c.trim());
    const before = json.runs.filter((r: { side: string }) => r.side === 'before').map((r: { p99ms: number }) => r.p99ms);
    // The cell is the median, printed short (2 decimals below 100, whole numbers, then "12.3k").
    const printed = p99Cells[2]!.split(' ')[0]!;
    const median = (before[0] + before[1]) / 2;
    const value = printed.endsWith('k') ? Number(printed.slice(0, -1)) * 1000 : Number(printed);
    assert.ok(Math.abs(value - median) <= Math.max(0.005, median * 0.005), `${p99Line} against a median of ${median}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:compare refuses a missing or wrong --baseline and a bad --rounds', () => {
  const cases: [string[], RegExp][] = [
    [[], /--baseline DIR is required/],
    [['--baseline', '/nonexistent'], /has no bench\/run\.mjs/],
    [['--baseline', '.', '--rounds', '0'], /--rounds takes a whole number/],
    [['--baseline', '.', '--only', '^no such row$'], /no row matches/],
  ];
  for (const [args, message] of cases) {
    const run = spawnSync(process.execPath, ['bench/compare.mjs', ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, message);
  }
});

test('--repeat refuses anything but a whole number from 1 to 20', () => {
  for (const bad of ['0', '21', '1.5', 'x']) {
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--repeat', bad, '--only', '^$'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2, bad);
    assert.match(run.stderr, /--repeat takes a whole number from 1 to 20/);
  }
});

interface IdleResult {
  name: string;
  error?: string;
  idleWorkerMb: number;
  idleTarget?: number;
  idleMet?: boolean;
  processes: { kind: string; role: string; pid: number; rssMb: number; threads: number }[];
  afterLoad: { requests: number; idleWorkerMb: number; processes: { role: string; rssMb: number }[] };
}

test('the idle rows report every process\'s RSS with its role, after a few requests and after a load, and mark the 60 MB target on the tsgi rows', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'result.json');
    const only = '^idle/(raw node:http|tsgi-appserver -w 1, TSGI app)';
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--duration', '1', '--only', only, '--json', out], { encoding: 'utf8', timeout: 110_000 });
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { results: IdleResult[] };
    assert.equal(json.results.length, 2, JSON.stringify(json.results.map((r) => r.name)));
    const [raw, appserver] = json.results as [IdleResult, IdleResult];
    for (const r of json.results) {
      assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
      assert.ok(r.processes.every((p) => p.rssMb > 10 && p.threads >= 1 && p.pid > 0), JSON.stringify(r.processes));
    }
    assert.deepEqual(raw.processes.map((p) => p.role), ['process']);
    assert.equal(raw.idleWorkerMb, raw.processes[0]!.rssMb, 'a lone process is its own worker');
    assert.deepEqual(appserver.processes.map((p) => p.role), ['master', 'worker'], 'the master and its one worker, the upstream left out');
    assert.equal(appserver.idleWorkerMb, appserver.processes[1]!.rssMb);
    assert.equal(appserver.idleTarget, 60);
    for (const r of json.results) {
      assert.equal(r.afterLoad.requests, 20_000, r.name);
      assert.deepEqual(r.afterLoad.processes.map((p) => p.role), r.processes.map((p) => p.role), `${r.name}: the same processes after the load`);
      assert.ok(r.afterLoad.processes.every((p) => p.rssMb > 10), JSON.stringify(r.afterLoad));
    }
    assert.equal(appserver.idleMet, appserver.idleWorkerMb <= 60 && appserver.afterLoad.idleWorkerMb <= 60, 'met only when met both times');
    assert.equal(raw.idleTarget, undefined, 'the target is the tsgi servers\'');
    assert.match(run.stdout, /idle RSS per process \(MB; threads in brackets\):\n {2}raw node:http hello world, idle: node process [\d.]+ \[\d+\]; after 20,000 more requests: node process [\d.]+ \[\d+\]\n/);
    assert.match(run.stdout, /tsgi-appserver master [\d.]+ \[\d+\], tsgi-appserver worker [\d.]+ \[\d+\]; after 20,000 more requests: tsgi-appserver master [\d.]+ \[\d+\], tsgi-appserver worker [\d.]+ \[\d+\]; worker <= 60 MB: (met|NOT met); after load worker <= 60 MB: (met|NOT met)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface ChainResult {
  name: string;
  error?: string;
  rps: number;
  p50ms: number;
  p99ms: number;
  rssMb: number;
  rssByKind: Record<string, number>;
  processes: { kind: string; pid: number; cmd: string; rssMb: number }[];
  targets?: { vs: string; min: number; ratio: number | null; met: boolean | null }[];
}
interface ChainReport {
  chainRun(json: unknown, source: string): { results: ChainResult[] };
  chainMarkdown(run: unknown): string;
  chainSvg(run: unknown): string;
  readmeChainSection(readme: string): string | undefined;
  withChainSection(readme: string, markdown: string): string;
  LATEST_JSON: string;
}
const chainReport = () => import('./chain-report.mjs' as string) as Promise<ChainReport>;

test('the chain rows run: three chains side by side, hello world and JSON, with every process\'s RSS and the targets marked', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--duration', '1', '--connections', '10', '--only', '^chain/', '--json', out], {
      encoding: 'utf8',
      timeout: 590_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { results: ChainResult[] };
    const names = json.results.map((r) => r.name);
    for (const chain of ['nginx -> Gunicorn 2 sync workers -> Django', 'nginx -> tsgi-appserver -w 2 -> tsgi-framework', 'tsgi-webserver -> tsgi-appserver -w 2 -> tsgi-framework']) {
      for (const view of ['hello world', 'JSON view']) assert.ok(names.includes(`${chain}, ${view}`), `${chain}, ${view} in ${JSON.stringify(names)}`);
    }
    assert.equal(json.results.length, 6);
    for (const r of json.results) {
      assert.equal(r.error, undefined, `${r.name}: ${r.error}`);
      assert.ok(r.rps > 0 && r.p99ms >= r.p50ms, `${r.name}: ${r.rps} req/s, p50 ${r.p50ms}, p99 ${r.p99ms}`);
      // Every process of the chain: a front (master + 1 worker) and an app server (master + 2 workers).
      const count = (kind: string) => r.processes.filter((p) => p.kind === kind).length;
      const [front, app] = r.name.startsWith('nginx -> Gunicorn') ? ['nginx', 'gunicorn'] : r.name.startsWith('nginx') ? ['nginx', 'tsgi-appserver'] : ['tsgi-webserver', 'tsgi-appserver'];
      assert.equal(count(front), 2, `${r.name}: ${front} master and worker: ${JSON.stringify(r.processes)}`);
      assert.equal(count(app), 3, `${r.name}: ${app} master and 2 workers: ${JSON.stringify(r.processes)}`);
      assert.ok(r.processes.every((p) => p.rssMb > 0));
      assert.deepEqual(Object.keys(r.rssByKind).sort(), [front, app].sort());
      assert.ok(Math.abs(r.rssMb - (r.rssByKind[front]! + r.rssByKind[app]!)) <= 1, `${r.name}: the chain's RSS is the sum of its kinds`);
    }
    const tsgi = json.results.filter((r) => r.name.startsWith('tsgi-webserver'));
    for (const r of tsgi) {
      assert.deepEqual(r.targets?.map((t) => t.min), [5, 0.8]);
      for (const t of r.targets!) assert.ok(typeof t.ratio === 'number' && t.met === t.ratio >= t.min, JSON.stringify(t));
    }
    assert.match(run.stdout, /targets:\n {2}tsgi-webserver -> tsgi-appserver -w 2 -> tsgi-framework, hello world: [\d.]+x nginx -> Gunicorn 2 sync workers -> Django, hello world \(target >= 5x\): (met|NOT met)/);
    const svg = readFileSync(out.replace(/\.json$/, '-chain.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<rect x=/g)?.length, 6, 'a bar per row');
    assert.ok(svg.includes('tsgi-webserver -&gt; tsgi-appserver -w 2 -&gt; tsgi-framework, hello world'), 'names escaped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README\'s chain table is the one bench/chain-report.mjs renders from bench/latest/chain.json', async () => {
  const report = await chainReport();
  const latest = JSON.parse(readFileSync(report.LATEST_JSON, 'utf8')) as { results: ChainResult[] };
  assert.equal(latest.results.length, 6);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.equal(report.readmeChainSection(readme), report.chainMarkdown(latest), 'regenerate it: node bench/chain-report.mjs');
});

test('the chain report marks targets met or not and escapes what it draws', async () => {
  const report = await chainReport();
  const row = (name: string, rps: number, extra = {}) => ({ group: 'chain', name, rps, p50ms: 1, p99ms: 2, rssMb: 30, rssByKind: { a: 10, b: 20 }, processes: [], anchor: null, ...extra });
  const json = {
    node: 'v20', tool: 'wrk', settings: { duration: 10, connections: 50 },
    results: [
      row('django <&>', 2400),
      row('nginx tsgi', 20000, { anchor: 'django <&>' }),
      row('tsgi', 15000, { anchor: 'django <&>', targets: [{ vs: 'django <&>', min: 5 }, { vs: 'nginx tsgi', min: 0.8 }] }),
      { group: 'other', name: 'left out', rps: 1 },
    ],
  };
  const run = report.chainRun(json, 'a test');
  assert.equal(run.results.length, 3, 'only the chain group');
  const md = report.chainMarkdown(run);
  assert.match(md, /- tsgi: 6\.25x django <&> \(target >= 5x\): met/);
  assert.match(md, /- tsgi: 0\.75x nginx tsgi \(target >= 0\.8x\): \*\*not met\*\*/);
  assert.match(md, /\| tsgi \| 15,000 \| 1\.00 \| 2\.00 \| a 10 \+ b 20 = 30 \| 6\.25x \|/);
  const svg = report.chainSvg(run);
  assert.ok(svg.includes('django &lt;&amp;&gt;') && !svg.includes('django <&>'));
  const readme = 'a\n<!-- bench-chain:begin: generated by `node bench/chain-report.mjs` from bench/latest/chain.json; do not edit -->\nold\n<!-- bench-chain:end -->\nb\n';
  const updated = report.withChainSection(readme, md);
  assert.equal(report.readmeChainSection(updated), md);
  assert.ok(updated.startsWith('a\n') && updated.endsWith('<!-- bench-chain:end -->\nb\n'));
  assert.throws(() => report.withChainSection('no markers', md), /no section between/);
});

interface Target { vs: string; min?: number; p99Max?: number; ratio?: number | null; met?: boolean | null }
interface Report {
  evaluateTargets(results: object[]): (Target & { row: string })[];
  describeTarget(t: Target & { row: string }, opts?: { notMet?: string }): string;
}

test('issue 17 targets: throughput at least min times the other row, p99 at most p99Max times, bytes only against bytes', async () => {
  const { evaluateTargets, describeTarget } = (await import('./report.mjs' as string)) as Report;
  const row = (name: string, rps: number, p99ms: number, extra = {}) => ({ name, rps, bytesPerSec: rps * 1000, p50ms: 1, p99ms, ...extra });
  const results = [
    row('nginx 1k', 40000, 2, { metric: 'bytes' }),
    row('raw', 36000, 3),
    row('h2load row', 10000, NaN),
    row('file', 33000, 4.4, {
      metric: 'bytes',
      // bytes/s made unlike req/s, so a ratio taken on the wrong figure shows
      bytesPerSec: 33000 * 1100,
      targets: [{ vs: 'raw', min: 0.9 }, { vs: 'nginx 1k', p99Max: 2 }, { vs: 'nginx 1k', min: 0.9 }, { vs: 'not run', min: 1 }, { vs: 'h2load row', p99Max: 2 }],
    }),
  ];
  const [vsRaw, p99, vsNginx, missing, noP99] = evaluateTargets(results);
  assert.deepEqual([vsRaw!.ratio, vsRaw!.met], [0.92, true], 'req/s against a row measured in req/s');
  assert.deepEqual([p99!.ratio, p99!.met], [2.2, false]);
  assert.deepEqual([vsNginx!.ratio, vsNginx!.met], [0.91, true], 'bytes/s when both rows are measured in bytes');
  assert.deepEqual([missing!.ratio, missing!.met], [null, null]);
  assert.deepEqual([noP99!.ratio, noP99!.met], [null, null], 'a tool without percentiles: not measured');
  assert.equal(describeTarget(p99!), "file: p99 2.20x nginx 1k's (target <= 2x): NOT met");
  assert.equal(describeTarget(vsRaw!), 'file: 0.92x raw (target >= 0.9x): met');
  assert.equal(describeTarget(missing!, { notMet: '**not met**' }), 'file: n/a not run (target >= 1x): not measured');
});

test('--node24 runs a target against the Node 24 run of a row that has one, and the Node 20 row otherwise', async () => {
  type Row = { name: string; anchor?: string; node24?: boolean; node?: string; targets?: Target[] };
  const { expandRows } = (await import('./rows.mjs' as string)) as { expandRows(list: Row[], node24?: { path: string }): Iterable<Row> };
  const list: Row[] = [
    { name: 'raw', node24: true },
    { name: 'ceiling', anchor: 'raw', node24: true },
    { name: 'nginx' },
    { name: 'serve', anchor: 'raw', node24: true, targets: [{ vs: 'ceiling', min: 0.9 }, { vs: 'nginx', p99Max: 2 }] },
  ];
  assert.deepEqual([...expandRows(list)].map((r) => r.name), ['raw', 'ceiling', 'nginx', 'serve'], 'no Node 24 runs unless asked');
  const rows = [...expandRows(list, { path: '/node24' })];
  assert.deepEqual(rows.map((r) => r.name), ['raw', 'raw [node 24]', 'ceiling', 'ceiling [node 24]', 'nginx', 'serve', 'serve [node 24]']);
  const serve24 = rows.at(-1)!;
  assert.equal(serve24.node, '/node24');
  assert.equal(serve24.anchor, 'raw [node 24]');
  assert.deepEqual(serve24.targets!.map((t) => t.vs), ['ceiling [node 24]', 'nginx']);
  assert.deepEqual(list[3]!.targets!.map((t) => t.vs), ['ceiling', 'nginx'], 'the Node 20 row keeps its own');
});

// Prints bench results as a table: each row with its ratio to the anchor of its group.
export function printTable(results) {
  const byName = new Map(results.map((r) => [r.name, r]));
  const lines = [['group', 'row', 'req/s', 'MB/s', 'p50 ms', 'p99 ms', 'RSS MB', 'ratio', 'vs', 'also']];
  const repeated = results.some((r) => r.runs !== undefined);
  for (const r of results) {
    if (r.error) {
      lines.push([r.group, r.name, 'n/a', '', '', '', '', '', r.error.slice(0, 70), '']);
      continue;
    }
    if (r.metric === 'memory') {
      lines.push(memoryLine(r, byName));
      continue;
    }
    if (r.metric === 'idle') {
      lines.push(idleLine(r, byName));
      continue;
    }
    const anchor = r.anchor ? byName.get(r.anchor) : undefined;
    const ratio = anchor && !anchor.error ? ratioOf(r, anchor) : r.anchor ? 'n/a' : '1.00x';
    r.ratio = typeof ratio === 'string' && ratio.endsWith('x') ? Number(ratio.slice(0, -1)) : null;
    lines.push([
      r.group,
      r.name,
      String(Math.round(r.rps)),
      (r.bytesPerSec / 1e6).toFixed(1),
      fixed(r.p50ms),
      fixed(r.p99ms),
      String(r.rssMb),
      ratio,
      r.anchor ?? '(anchor)',
      [also(r, byName), r.runs ? `runs ${r.runs.map((n) => n ?? 'n/a').join('/')}` : ''].filter(Boolean).join('; '),
    ]);
  }
  const targets = evaluateTargets(results);
  if (repeated) console.log('each row: its median run (req/s of every run at the end of the line)\n');
  if (results.some((r) => r.metric === 'messages')) console.log('websocket rows: req/s is echoed messages/s, MB/s the payload echoed\n');
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((cell, j) => (j >= 2 && j <= 7 ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  if (targets.length > 0) console.log(`\ntargets:\n${targets.map((t) => `  ${describeTarget(t)}`).join('\n')}`);
  printIdle(results);
  const memory = results.filter((r) => r.rssByKind && r.group === 'chain');
  if (memory.length > 0) {
    console.log('\npeak RSS per process (MB):');
    for (const r of memory) console.log(`  ${r.name}: ${r.processes.map((p) => `${p.kind} ${p.rssMb}`).join(', ')} = ${r.rssMb}`);
  }
}

/**
 * Marks each row's targets met or not, on the row (`r.targets[i].ratio`, `.met`): `{ vs, min }`
 * is at least `min` times the throughput of row `vs` (bytes/s for rows measured in bytes,
 * requests/s otherwise), `{ vs, p99Max }` a p99 latency at most `p99Max` times row `vs`'s. A
 * target whose rows did not both run, or whose tool gives no p99, is `met: null`. Returns every
 * target, with its row's name.
 */
export function evaluateTargets(results) {
  const byName = new Map(results.map((r) => [r.name, r]));
  const all = [];
  for (const r of results) {
    for (const target of r.targets ?? []) {
      const other = byName.get(target.vs);
      const measured = !r.error && other && !other.error;
      const raw = !measured ? NaN : target.p99Max !== undefined ? r.p99ms / other.p99ms : throughputRatio(r, other);
      const ratio = Number.isFinite(raw) ? Math.round(raw * 100) / 100 : null;
      const met = ratio === null ? null : target.p99Max !== undefined ? ratio <= target.p99Max : ratio >= target.min;
      Object.assign(target, { ratio, met });
      all.push({ row: r.name, ...target });
    }
  }
  return all;
}

/** Bytes/s when both rows are measured in bytes (the same file on both sides), requests/s otherwise. */
const throughputRatio = (r, other) => (r.metric === 'bytes' && other.metric === 'bytes' ? r.bytesPerSec / other.bytesPerSec : r.rps / other.rps);

/**
 * "ROW: 5.31x VS (target >= 5x): met", or for a latency target "ROW: p99 1.85x VS's (target <=
 * 2x): met"; `notMet` is how a target not met is written (the README's table bolds it).
 */
export function describeTarget(t, { notMet = 'NOT met' } = {}) {
  const verdict = t.met === null ? 'not measured' : t.met ? 'met' : notMet;
  const ratio = t.ratio === null ? 'n/a' : `${t.ratio.toFixed(2)}x`;
  if (t.p99Max !== undefined) return `${t.row}: p99 ${ratio} ${t.vs}'s (target <= ${t.p99Max}x): ${verdict}`;
  return `${t.row}: ${ratio} ${t.vs} (target >= ${t.min}x): ${verdict}`;
}

/** Two decimals, or empty for a figure the load tool does not give (h2load has no percentiles). */
function fixed(x) {
  return Number.isFinite(x) ? x.toFixed(2) : '';
}

/**
 * A memory row: the RSS growth per 1,000 idle connections in the RSS column, its ratio to the
 * anchor's (lower is better), the server's RSS before and after in the last column.
 */
function memoryLine(r, byName) {
  const anchor = r.anchor ? byName.get(r.anchor) : undefined;
  const ratio = anchor && !anchor.error ? `${(r.rssPer1000Mb / anchor.rssPer1000Mb).toFixed(2)}x` : r.anchor ? 'n/a' : '1.00x';
  r.ratio = ratio.endsWith('x') ? Number(ratio.slice(0, -1)) : null;
  const note = `MB of RSS per 1,000 idle connections (lower is better): ${r.rssBeforeMb.toFixed(1)} -> ${r.rssAfterMb.toFixed(1)} MB with ${r.connections} open`;
  return [r.group, r.name, '', '', '', '', r.rssPer1000Mb.toFixed(1), ratio, r.anchor ?? '(anchor)', [also(r, byName), note].filter(Boolean).join('; ')];
}

/**
 * An idle row: the largest worker's RSS in the RSS column (the process itself when it has no
 * workers), its ratio to the anchor's (node's own floor; lower is better), each process in the
 * last column.
 */
function idleLine(r, byName) {
  const anchor = r.anchor ? byName.get(r.anchor) : undefined;
  const ratio = anchor && !anchor.error ? `${(r.idleWorkerMb / anchor.idleWorkerMb).toFixed(2)}x` : r.anchor ? 'n/a' : '1.00x';
  r.ratio = ratio.endsWith('x') ? Number(ratio.slice(0, -1)) : null;
  const each = (list) => list.map((p) => `${p.role} ${p.rssMb}`).join(', ');
  let note = `MB of RSS after ${r.idleSeconds} s idle: ${each(r.processes)}`;
  if (r.afterLoad) note += `; after ${r.afterLoad.requests.toLocaleString('en')} more requests and ${r.idleSeconds} s idle: ${each(r.afterLoad.processes)}`;
  return [r.group, r.name, '', '', '', '', r.idleWorkerMb.toFixed(1), ratio, r.anchor ?? '(anchor)', note];
}

/**
 * The idle rows' processes one by one (role, pid, MB, threads), and the issue's target for an
 * idle worker of each tsgi server (`idleTarget` MB), marked met or not on the row (`r.idleMet`).
 */
export function printIdle(results) {
  const idle = results.filter((r) => r.metric === 'idle' && !r.error);
  if (idle.length === 0) return;
  console.log('\nidle RSS per process (MB; threads in brackets):');
  const each = (list) => list.map((p) => `${p.kind} ${p.role} ${p.rssMb} [${p.threads}]`).join(', ');
  const met = (mb, target) => `worker <= ${target} MB: ${mb <= target ? 'met' : 'NOT met'}`;
  for (const r of idle) {
    const loaded = r.afterLoad ? `; after ${r.afterLoad.requests.toLocaleString('en')} more requests: ${each(r.afterLoad.processes)}` : '';
    if (r.idleTarget === undefined) {
      console.log(`  ${r.name}: ${each(r.processes)}${loaded}`);
      continue;
    }
    // The target holds only when it holds both times: a worker that has served traffic is the one production runs.
    r.idleMet = r.idleWorkerMb <= r.idleTarget && (r.afterLoad === undefined || r.afterLoad.idleWorkerMb <= r.idleTarget);
    const after = r.afterLoad ? `; after load ${met(r.afterLoad.idleWorkerMb, r.idleTarget)}` : '';
    console.log(`  ${r.name}: ${each(r.processes)}${loaded}; ${met(r.idleWorkerMb, r.idleTarget)}${after}`);
  }
}

/** Ratios to the row's secondary anchors (e.g. the framework row against Express and Gunicorn). */
function also(r, byName) {
  r.alsoRatios = {};
  const parts = [];
  for (const name of r.also ?? []) {
    const other = byName.get(name);
    if (!other || other.error) continue;
    const ratio = ratioOf(r, other);
    r.alsoRatios[name] = Number(ratio.slice(0, -1));
    parts.push(`${ratio} ${name}`);
  }
  return parts.join('; ');
}

/**
 * The one figure a row's run is ranked by (`--repeat`'s median run) and compared on
 * (`bench:compare`): RSS per 1,000 connections for memory rows, the idle worker's RSS for idle
 * rows (lower is better for both), requests/s (or messages/s) otherwise.
 */
export function measureOf(r) {
  if (r.metric === 'memory') return r.rssPer1000Mb;
  if (r.metric === 'idle') return r.idleWorkerMb;
  return r.rps;
}

/** RSS per 1,000 connections for memory rows, else the throughput ratio (throughputRatio). */
function ratioOf(r, anchor) {
  const ratio = r.metric === 'memory' ? r.rssPer1000Mb / anchor.rssPer1000Mb : throughputRatio(r, anchor);
  return `${ratio.toFixed(2)}x`;
}

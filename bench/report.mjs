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
    const anchor = r.anchor ? byName.get(r.anchor) : undefined;
    const ratio = anchor && !anchor.error ? ratioOf(r, anchor) : r.anchor ? 'n/a' : '1.00x';
    r.ratio = typeof ratio === 'string' && ratio.endsWith('x') ? Number(ratio.slice(0, -1)) : null;
    lines.push([
      r.group,
      r.name,
      String(Math.round(r.rps)),
      (r.bytesPerSec / 1e6).toFixed(1),
      r.p50ms.toFixed(2),
      r.p99ms.toFixed(2),
      String(r.rssMb),
      ratio,
      r.anchor ?? '(anchor)',
      [target(r), also(r, byName), r.runs ? `runs ${r.runs.map((n) => n ?? 'n/a').join('/')}` : ''].filter(Boolean).join('; '),
    ]);
  }
  if (repeated) console.log('each row: its median run (req/s of every run at the end of the line)\n');
  if (results.some((r) => r.metric === 'messages')) console.log('websocket rows: req/s is echoed messages/s, MB/s the payload echoed\n');
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((cell, j) => (j >= 2 && j <= 7 ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Whether the row meets the ratio to its anchor that its issue sets (e.g. >= 0.8x); kept in the JSON as `targetMet`. */
function target(r) {
  if (r.target == null || r.ratio == null) return '';
  r.targetMet = r.ratio >= r.target;
  return `target >= ${r.target.toFixed(2)}x ${r.targetMet ? 'met' : 'MISSED'}`;
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

/** Requests/s ratio, or bytes/s for rows measured by throughput. */
function ratioOf(r, anchor) {
  const key = r.metric === 'bytes' ? 'bytesPerSec' : 'rps';
  return `${(r[key] / anchor[key]).toFixed(2)}x`;
}

// Runs one bench row: start its processes (pinned), wait until they answer, warm up, measure, stop.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The load generator: wrk where installed (Debian `wrk`), autocannon otherwise. */
export function loadTool() {
  if (spawnSync('wrk', ['--version']).error === undefined) {
    return {
      name: 'wrk',
      describe: (s) => `wrk -t1 -c${s.connections} -d${s.duration}s --latency`,
      run: runWrk,
    };
  }
  return {
    name: 'autocannon',
    describe: (s) => `autocannon -c ${s.connections} -d ${s.duration}`,
    run: runAutocannon,
  };
}

/**
 * The load generator of rows with `load: 'websocket'`: bench/ws-load.mjs (wrk cannot speak
 * WebSocket), the same connection count, each connection keeping WS_WINDOW messages of WS_SIZE
 * bytes in flight; its `rps` is echoed messages/s.
 */
export const WS_SIZE = 64;
export const WS_WINDOW = 16;
export const wsLoadTool = {
  name: 'ws-load',
  describe: (s) => `bench/ws-load.mjs -c${s.connections} -d${s.duration}s, ${WS_SIZE}-byte text messages, ${WS_WINDOW} in flight per connection`,
  run: runWsLoad,
};

/** Runs one row and returns its measurement, or `{ error }` when the row cannot run here. */
export async function runRow(row, settings, tool) {
  const base = { group: row.group, name: row.name, anchor: row.anchor ?? null, also: row.also ?? [], metric: row.metric ?? 'rps', note: row.note ?? null, ...(row.targets ? { targets: row.targets.map((t) => ({ ...t })) } : {}), ...(row.idleTarget ? { idleTarget: row.idleTarget } : {}) };
  const unavailable = row.available?.() ?? (row.load === 'h2load' ? h2loadMissing() : undefined);
  if (unavailable) return { ...base, error: unavailable };
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-bench-'));
  const procs = [];
  try {
    const ctx = { dir, node: row.node ?? process.execPath, ports: {} };
    for (const name of row.ports ?? ['main']) ctx.ports[name] = await freePort();
    await row.setup?.(ctx);
    for (const spec of row.processes(ctx)) {
      const proc = start(spec, dir);
      procs.push(proc);
      await waitReady(proc, spec.ready);
    }
    if (row.measure) {
      // A row that measures something else than throughput (the memory rows): its own client.
      const rssKb = () => procs.reduce((sum, p) => sum + groupRss(p.child.pid, 'VmRSS'), 0);
      const m = await row.measure(ctx, rssKb, settings, () => procs.filter((p) => p.measured).flatMap((p) => groupRoles(p)));
      if (m.errors > 0) return { ...base, error: `${m.errors} of ${m.errors + m.connections} connections failed` };
      return { ...base, rssMb: m.rssAfterMb === undefined ? undefined : Math.round(m.rssAfterMb), ...m };
    }
    const url = `${row.load === 'websocket' ? 'ws' : (row.scheme ?? 'http')}://127.0.0.1:${ctx.ports.main}${row.path ?? '/'}`;
    const load = { ...settings, headers: row.headers ?? [] };
    // A row may bring its own load tool (the TLS handshake rows: bench/handshake-rows.mjs; h2load for HTTP/2;
    // bench/ws-load.mjs for WebSocket).
    const runLoad = row.load === 'h2load' ? runH2load : row.load === 'websocket' ? wsLoadTool.run : (row.tool ?? tool).run;
    if (settings.warmup > 0) await runLoad(url, { ...load, duration: settings.warmup }, row.loadCores);
    const m = await runLoad(url, load, row.loadCores);
    const processes = procs.flatMap((p) => groupPeakRss(p.child.pid).map((each) => ({ kind: p.kind, ...each })));
    const rssMb = processes.reduce((sum, p) => sum + p.rssMb, 0);
    if (m.errors > 0 && m.errors >= m.requests * 0.01) return { ...base, error: `${m.errors} errors of ${m.requests} requests${m.errorKinds ? ` (${m.errorKinds})` : ''}` };
    return { ...base, ...m, rssMb: Math.round(rssMb), rssByKind: sumByKind(processes), processes };
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message : String(err) };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a process in its own process group, pinned to `cores` when taskset exists. */
function start(spec, dir) {
  const cores = spec.cores === undefined ? '1' : spec.cores;
  const [cmd, args] = hasTaskset && cores ? ['taskset', ['-c', cores, spec.cmd, ...spec.args]] : [spec.cmd, spec.args];
  const child = spawn(cmd, args, {
    cwd: spec.cwd ?? process.cwd(),
    env: { ...process.env, NODE_ENV: 'production', ...spec.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const proc = { child, stderr: '', exited: false, dir, kind: spec.kind ?? basename(spec.cmd), measured: spec.measured !== false };
  child.stderr.on('data', (d) => { proc.stderr = (proc.stderr + d).slice(-2000); });
  child.on('exit', () => { proc.exited = true; });
  return proc;
}

/**
 * Polls until the process answers HTTP 2xx-4xx on `ready.url`, or completes a TLS handshake on
 * port `ready.tls` (bounded: 30 s).
 */
async function waitReady(proc, ready) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exited) throw new Error(`exited early: ${lastLine(proc.stderr) || 'no output'}`);
    if (ready.tls !== undefined) {
      if (await tlsHandshakes(ready.tls)) return;
      await sleep(100);
      continue;
    }
    try {
      const res = await fetch(ready.url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`not ready within 30 s: ${lastLine(proc.stderr)}`);
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 160) ?? '';
}

/** Stops a process group: TERM, then KILL after 3 s. */
async function stop(proc) {
  if (proc.exited) return;
  try { process.kill(-proc.child.pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 30 && !proc.exited; i++) await sleep(100);
  try { process.kill(-proc.child.pid, 'SIGKILL'); } catch { /* gone */ }
}

/** True when a TLS handshake on the port completes within a second. */
function tlsHandshakes(port) {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resident memory (KiB; `field` VmRSS now, VmHWM at its peak) of every process in the group led by `pgid`, summed. */
function groupRss(pgid, field) {
  return groupMemory(pgid, field).reduce((sum, p) => sum + p.kb, 0);
}

/**
 * Peak resident memory (VmHWM, MB to one decimal) of every process in the group led by `pgid`,
 * each with its pid and command line, the group's leader (a master) first.
 */
function groupPeakRss(pgid) {
  return groupMemory(pgid, 'VmHWM').map(({ pid, cmd, kb }) => ({ pid, cmd, rssMb: Math.round(kb / 102.4) / 10 }));
}

/** `field` of /proc/PID/status (KiB) for every process in the group led by `pgid`, the leader first. */
function groupMemory(pgid, field) {
  const found = [];
  const pattern = new RegExp(`${field}:\\s+(\\d+)`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const value = pattern.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (!value) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 160);
      found.push({ pid: Number(entry), cmd, kb: Number(value[1]) });
    } catch {
      // the process ended meanwhile
    }
  }
  return found.sort((a, b) => (a.pid === pgid ? -1 : b.pid === pgid ? 1 : a.pid - b.pid));
}

/**
 * Resident memory now (VmRSS, MB to one decimal) and thread count of every process in `proc`'s
 * group, each with its role: the leader is the `master` when it has children, else the only
 * `process`; the others running the leader's program are its `worker`s (a node worker's
 * threads, such as tsgi-appserver's stall watchdog, count in its RSS), any other program a
 * `helper` (esbuild's service, started by tsx).
 */
function groupRoles(proc) {
  const pgid = proc.child.pid;
  const list = groupMemory(pgid, 'VmRSS');
  const program = (cmd) => basename(cmd.split(' ')[0] ?? '');
  const leader = program(list.find((p) => p.pid === pgid)?.cmd ?? '');
  const roleOf = (pid, cmd) => (pid === pgid ? (list.length > 1 ? 'master' : 'process') : program(cmd) === leader ? 'worker' : 'helper');
  return list.map(({ pid, cmd, kb }) => ({
    kind: proc.kind,
    role: roleOf(pid, cmd),
    pid,
    cmd,
    rssMb: Math.round(kb / 102.4) / 10,
    threads: threadsOf(pid),
  }));
}

/** The thread count of a process (0 when it is gone). */
function threadsOf(pid) {
  try {
    return Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** MB per process kind (web server, app server...), summed over its processes. */
function sumByKind(processes) {
  const byKind = {};
  for (const p of processes) byKind[p.kind] = Math.round(((byKind[p.kind] ?? 0) + p.rssMb) * 10) / 10;
  return byKind;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function runWrk(url, s, cores = '0') {
  const args = ['-t1', `-c${s.connections}`, `-d${s.duration}s`, '--latency', ...s.headers.flatMap((h) => ['-H', h]), url];
  const [cmd, full] = hasTaskset && cores ? ['taskset', ['-c', cores, 'wrk', ...args]] : ['wrk', args];
  const out = await run(cmd, full, (s.duration + 30) * 1000);
  return parseWrk(out);
}

/** Parses wrk's text output. */
export function parseWrk(out) {
  const num = (re) => { const m = re.exec(out); return m ? Number(m[1]) : NaN; };
  const unit = { us: 0.001, ms: 1, s: 1000 };
  const lat = (p) => { const m = new RegExp(`${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out); return m ? Number(m[1]) * unit[m[2]] : NaN; };
  const bytes = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const scale = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const requests = num(/(\d+) requests in/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const errors = (socket ? Number(socket[1]) + Number(socket[2]) + Number(socket[3]) + Number(socket[4]) : 0) + (Number.isNaN(non2xx) ? 0 : non2xx);
  if (Number.isNaN(requests)) throw new Error(`wrk gave no result: ${out.slice(0, 200)}`);
  const kinds = [
    ...(socket ? ['connect', 'read', 'write', 'timeout'].map((kind, i) => [kind, Number(socket[i + 1])]) : []),
    ['non-2xx/3xx', Number.isNaN(non2xx) ? 0 : non2xx],
  ].filter(([, n]) => n > 0);
  return {
    errorKinds: kinds.map(([kind, n]) => `${kind} ${n}`).join(', '),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    bytesPerSec: bytes ? Number(bytes[1]) * scale[bytes[2]] : NaN,
    p50ms: lat(50),
    p99ms: lat(99),
    requests,
    errors,
  };
}

/** Why the HTTP/2 rows cannot run here, or undefined when h2load is installed. */
export function h2loadMissing() {
  return spawnSync('h2load', ['--version']).error === undefined ? undefined : 'h2load not installed (Debian package nghttp2-client)';
}

/**
 * HTTP/2 load: h2load with 20 connections of 10 streams each (as the issue measured), pinned
 * like wrk. h2load reports no percentiles: p50/p99 are left empty. h2load has hung with `-D`
 * on a loaded machine (waiting on a connection): at least 2 s, `-N 5`, and a timeout anyway.
 */
async function runH2load(url, s, cores = '0') {
  // -N 5: a connection silent for 5 s is dropped (and counted), so h2load cannot wait forever.
  const args = ['-c20', '-m10', '-N', '5', '-D', String(Math.max(2, s.duration)), ...s.headers.flatMap((h) => ['-H', h]), url];
  const [cmd, full] = hasTaskset && cores ? ['taskset', ['-c', cores, 'h2load', ...args]] : ['h2load', args];
  return parseH2load(await run(cmd, full, (s.duration + 30) * 1000));
}

/** Parses h2load's text output. */
export function parseH2load(out) {
  const done = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const fin = /finished in [\d.]+m?s, ([\d.]+) req\/s, ([\d.]+)(B|KB|MB|GB)\/s/.exec(out);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!done || !fin) throw new Error(`h2load gave no result: ${out.slice(-200)}`);
  const scale = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const non2xx = status ? Number(status[2]) + Number(status[3]) + Number(status[4]) : 0;
  return {
    rps: Number(fin[1]),
    bytesPerSec: Number(fin[2]) * scale[fin[3]],
    p50ms: NaN,
    p99ms: NaN,
    requests: Number(done[2]),
    errors: Number(done[4]) + Number(done[5]) + Number(done[6]) + non2xx,
  };
}

async function runAutocannon(url, s, cores = '0') {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'autocannon');
  const args = ['-j', '-c', String(s.connections), '-d', String(s.duration), ...s.headers.flatMap((h) => ['-H', h]), url];
  const [cmd, full] = hasTaskset && cores ? ['taskset', ['-c', cores, bin, ...args]] : [bin, args];
  const r = JSON.parse(await run(cmd, full, (s.duration + 30) * 1000));
  return {
    rps: r.requests.average,
    bytesPerSec: r.throughput.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + (r.non2xx ?? 0),
  };
}

async function runWsLoad(url, s, cores = '0') {
  const script = fileURLToPath(new URL('ws-load.mjs', import.meta.url));
  const args = [script, '--url', url, '--connections', String(s.connections), '--duration', String(s.duration), '--size', String(WS_SIZE), '--window', String(WS_WINDOW)];
  const [cmd, full] = hasTaskset && cores ? ['taskset', ['-c', cores, process.execPath, ...args]] : [process.execPath, args];
  const r = JSON.parse(await run(cmd, full, (s.duration + 30) * 1000));
  return { rps: r.rps, bytesPerSec: r.bytesPerSec, p50ms: r.p50ms, p99ms: r.p99ms, requests: r.messages, errors: r.errors };
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}: ${(err || out).slice(0, 200)}`));
    });
  });
}

export { execFileSync };

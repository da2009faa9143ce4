// The head-gate corpus (packages/head-gate/corpus/requests.ts) against every tsgi server, as
// real servers over real sockets: serve(), tsgi-appserver with a TSGI app and with an Express
// app, tsgi-webserver proxying to a recording upstream, plus the gate package on a bare
// node:http server as the reference. Each must answer every case with the case's statuses and
// let exactly the case's requests reach its app or upstream. The same corpus goes to Debian's
// nginx, which is measured, not asserted: the cases where it differs are printed (and written
// to interop/head-gate-nginx-diff.md with WRITE_NGINX_DIFF=1) for the README's table.
import { after, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CASES, type HeadGateCase } from '../packages/head-gate/corpus/requests.js';
import { CaseRunner, type CaseOutcome } from './support/run-case.js';
import { startAppserverFamily, startNginxFamily, startReferenceFamily, startServeFamily, startWebserverFamily, type Family, type Target } from './support/servers.js';

const ROOT_CASES = CASES.filter((c) => c.mount !== true);
const MOUNT_CASES = CASES.filter((c) => c.mount === true);
const NGINX_DIFF = fileURLToPath(new URL('./head-gate-nginx-diff.md', import.meta.url));

const running: Family[] = [];
after(async () => {
  await Promise.all(running.map((f) => f.stop()));
});

/** Starts a family and registers it for `after`, whatever happens to the test. */
async function started<F extends Family>(start: Promise<F>): Promise<F> {
  const family = await start;
  running.push(family);
  return family;
}

test('the corpus is well formed', () => {
  assert.ok(CASES.length >= 70, `at least 70 cases, found ${CASES.length}`);
  const ids = new Set<string>();
  for (const c of CASES) {
    assert.match(c.id, /^[a-z0-9]+(?:-[a-z0-9.]+)*$/, `${c.id}: ids are kebab-case`);
    assert.ok(!ids.has(c.id), `${c.id}: ids are unique`);
    ids.add(c.id);
    assert.ok(c.status >= 200 && c.status <= 599, `${c.id}: a final status`);
    if (c.responses !== undefined) assert.equal(c.responses[0], c.status, `${c.id}: responses start with status`);
    if (c.status >= 400 && c.responses === undefined) assert.deepEqual(c.reaches, [], `${c.id}: a refused request reaches nothing`);
    assert.ok([...c.raw].every((ch) => ch.charCodeAt(0) <= 0xff), `${c.id}: raw is latin1`);
  }
  assert.ok(MOUNT_CASES.length >= 10, 'the mount cases');
});

/**
 * `200, reaches GET /x` / `400 400, nothing reaches` (with the host when the case is about it),
 * for failure messages and the nginx table.
 */
function describeOutcome(statuses: readonly number[], reaches: readonly string[], hosts?: readonly (string | undefined)[], received?: string): string {
  const s = statuses.length > 0 ? statuses.join(' ') : received !== undefined && received !== '' ? 'an answer without a status line' : 'no response';
  const r = reaches.length === 0 ? 'nothing reaches' : `reaches ${reaches.map((line) => `\`${line}\``).join(' ')}`;
  return `${s}, ${r}${hosts !== undefined && hosts.length > 0 ? ` (host ${hosts.map(String).join(', ')})` : ''}`;
}

function preview(text: string, max = 300): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}

/** Asserts one outcome; the message names the case, the server, what was expected and what came. */
function assertCase(target: Target, c: HeadGateCase, out: CaseOutcome): void {
  const expected = { statuses: c.responses ?? [c.status], reaches: (target.proxy ? c.reachesUpstream : undefined) ?? c.reaches };
  const got = { statuses: out.statuses, reaches: out.reaches };
  const heads = out.seen.filter((s) => !s.complete).map((s) => s.line);
  const message = [
    `${c.id} on ${target.name}: expected ${describeOutcome(expected.statuses, expected.reaches)}; got ${describeOutcome(got.statuses, got.reaches, undefined, out.raw.received)}`,
    heads.length > 0 ? `  (heads whose body never completed reached the app: ${JSON.stringify(heads)})` : '',
    `  case: ${c.name}`,
    `  sent: ${preview(c.raw)}`,
    `  received: ${preview(out.raw.received)}${out.raw.closed ? ' (then closed)' : ' (connection still open)'}${out.raw.parseError !== undefined ? `; unparsable: ${out.raw.parseError}` : ''}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
  assert.deepEqual(got, expected, message);
  if (c.host !== undefined) {
    const hosts = out.seen.filter((s) => s.complete).map((s) => s.host);
    assert.deepEqual(hosts, c.reaches.map(() => c.host), `${c.id} on ${target.name}: the app or upstream must see host ${c.host}, saw ${JSON.stringify(hosts)} (lines ${JSON.stringify(out.seen.map((s) => s.line))})`);
  }
}

/** The root cases for the root server, the mount cases for the mounted one. */
function withCases(family: Family): ReadonlyArray<readonly [Target, readonly HeadGateCase[]]> {
  return [
    [family.root, ROOT_CASES],
    [family.mount, MOUNT_CASES],
  ];
}

/** One subtest per case: the root cases on the root server, the mount cases on the mounted one. */
async function runCorpus(t: { test: (name: string, fn: () => Promise<void>) => Promise<void> }, family: Family): Promise<void> {
  for (const [target, cases] of withCases(family)) {
    const runner = new CaseRunner(target);
    for (const c of cases) {
      await t.test(`${c.id} on ${target.name}`, async () => assertCase(target, c, await runner.run(c)));
    }
    if (target.logsRefusals && cases === ROOT_CASES) await t.test(`refusals on ${target.name} are logged at info, naming the rule`, async () => assertRefusalLog(target));
  }
}

/** The log holds an info line naming the rule of a refused case, and no refusal at warn or error level. */
function assertRefusalLog(target: Target): void {
  const lines = target.output().split('\n');
  const named = lines.filter((l) => /request refused by rule duplicate-host \(400\)/.test(l));
  assert.ok(named.length > 0, `${target.name}: no log line names the rule duplicate-host; log:\n${target.output().slice(-2000)}`);
  for (const l of named) assert.match(l, /\binfo\b/i, `${target.name}: a refusal is logged at info level: ${l}`);
  const loud = lines.filter((l) => /request refused by rule/.test(l) && /\b(?:warn|warning|error)\b/i.test(l.replace(/request refused by rule.*$/, '')));
  assert.deepEqual(loud, [], `${target.name}: refusals logged above info`);
}

const SERVERS: ReadonlyArray<readonly [string, () => Promise<Family>]> = [
  ['reference: node:http + tsgi-head-gate', startReferenceFamily],
  ['serve() from tsgi', startServeFamily],
  ['tsgi-appserver with a TSGI app', () => startAppserverFamily('TSGI app', 'interop/fixtures/tsgi-recorder.ts:app')],
  ['tsgi-appserver with an Express app', () => startAppserverFamily('Express app', 'interop/fixtures/express-recorder.ts:app')],
  ['tsgi-webserver proxying to a recording upstream', startWebserverFamily],
];

describe('the head-gate corpus', { concurrency: true }, () => {
  for (const [name, start] of SERVERS) {
    it(name, { timeout: 15 * 60_000 }, async (t) => {
      const family = await started(start());
      await runCorpus(t, family);
    });
  }

  it('nginx: measured, not asserted (the table of differences)', { timeout: 15 * 60_000 }, async () => {
    const family = await started(startNginxFamily());
    const rows: string[] = [];
    for (const [target, cases] of withCases(family)) {
      const runner = new CaseRunner(target);
      for (const c of cases) {
        const out = await runner.run(c);
        // nginx sends `$host` upstream, which has no port: hosts are compared by name.
        const name = (host: string | undefined) => host?.replace(/:\d*$/, '');
        const hosts = c.host === undefined ? undefined : out.seen.filter((x) => x.complete).map((x) => name(x.host));
        const expected = describeOutcome(c.responses ?? [c.status], c.reaches, c.host === undefined ? undefined : c.reaches.map(() => name(c.host)));
        const got = describeOutcome(out.statuses, out.reaches, hosts, out.raw.received);
        if (expected !== got) rows.push(`| \`${c.id}\` | ${c.name.replaceAll('|', '\\|')} | ${expected} | ${got} |`);
      }
    }
    const table = [
      `Where ${family.version} differs from every tsgi server (${rows.length} of ${CASES.length} cases; measured by interop/head-gate.test.ts)`,
      '',
      'nginx runs with its defaults plus `proxy_pass` to a recording upstream, `proxy_set_header Host $host` (hosts are compared by name: `$host` has no port) and a short `keepalive_timeout`, as every server here. "tsgi" is what every tsgi server is asserted to do; "reaches" lists the requests the upstream received whole.',
      '',
      '| case | request | tsgi | nginx |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    // Printed, not asserted: nginx is the yardstick the README compares against.
    console.log(table);
    if (process.env.WRITE_NGINX_DIFF === '1') writeFileSync(NGINX_DIFF, table);
  });
});

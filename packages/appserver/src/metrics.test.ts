/**
 * --metrics-bind through real processes: Prometheus text from the master with totals and
 * per-worker figures, counters that survive a worker's death, and restarts by reason.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from 'tsgi-test-support';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const APP = `export const application = (request: Request) =>
  new URL(request.url).pathname === '/missing' ? new Response('no', { status: 404 }) : new Response('ok');
`;

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `ready(text)` holds (workers report once a second); returns the text. */
async function scrapeUntil(url: string, ready: (text: string) => boolean): Promise<string> {
  let last = '';
  const scrape = async () => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    last = await res.text();
    return ready(last) && last;
  };
  // 60 s: the awaited figures follow a worker's replacement or a reload, and a worker's start
  // took ~29 s with the machine at load 20 (this wait once ran out at 15 s there).
  return waitFor(scrape, { timeoutMs: 60_000, intervalMs: 100, what: () => `the metrics to match; last scrape:\n${last}` });
}

describe('--metrics-bind', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('serves totals and per-worker figures; a dead worker keeps its counts in the totals', async () => {
    const server = await startAppserver(['-w', '2', '--metrics-bind', '127.0.0.1:0', 'app.ts'], { cwd: project.dir });
    try {
      const metricsUrl = (await server.waitFor(/Metrics at: (http:\/\/\S+\/metrics)/))[1]!;
      for (let i = 0; i < 8; i++) assert.equal((await fetch(`${server.url}/`)).status, 200);
      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${server.url}/missing`)).status, 404);

      let text = await scrapeUntil(metricsUrl, (t) => sample(t, 'tsgi_appserver_requests_total') === 10);
      assert.equal(sample(text, 'tsgi_appserver_responses_total{status_class="2xx"}'), 8);
      assert.equal(sample(text, 'tsgi_appserver_responses_total{status_class="4xx"}'), 2);
      assert.equal(sample(text, 'tsgi_appserver_request_duration_seconds_count'), 10);
      assert.equal(sample(text, 'tsgi_appserver_requests_in_flight'), 0);
      assert.equal(sample(text, 'tsgi_appserver_workers'), 2);
      assert.ok((sample(text, 'tsgi_appserver_rss_bytes') ?? 0) > 10_000_000, 'summed RSS of the workers is reported');
      const perWorker = [...text.matchAll(/^tsgi_appserver_worker_requests_total\{worker="(\d+)"\} (\d+)$/gm)];
      assert.equal(perWorker.length, 2, `one series per live worker:\n${text}`);
      assert.equal(perWorker.reduce((n, m) => n + Number(m[2]), 0), 10, 'per-worker counts add up to the total');

      // kill -9 one worker: it is replaced, its requests stay in the totals, the restart is counted.
      const pid = Number((await server.waitFor(/Booting worker 1 with pid: (\d+)/))[1]);
      process.kill(pid, 'SIGKILL');
      await server.waitFor(/Booting worker 3 with pid/);
      text = await scrapeUntil(metricsUrl, (t) => sample(t, 'tsgi_appserver_worker_restarts_total{reason="died"}') === 1 && sample(t, 'tsgi_appserver_workers') === 2).catch((err: Error) => { throw new Error(`${err.message}\n--- server output:\n${server.output()}`); });
      assert.equal(sample(text, 'tsgi_appserver_requests_total'), 10, 'the dead worker\'s requests are still counted');
      assert.equal(sample(text, 'tsgi_appserver_request_duration_seconds_count'), 10);
      assert.equal(text.match(/^tsgi_appserver_worker_requests_total\{worker="1"\}/m), null, 'the dead worker has no series of its own');

      // A reload is a restart of each old worker, by reason.
      server.child.kill('SIGHUP');
      text = await scrapeUntil(metricsUrl, (t) => sample(t, 'tsgi_appserver_worker_restarts_total{reason="reload"}') === 2);
      assert.equal(sample(text, 'tsgi_appserver_requests_total'), 10);
      assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 405);
      assert.equal(await server.stop('SIGTERM'), 0);
    } finally {
      // A failed assertion must not leave the server running: its pipes would keep this file's
      // process, and the whole run, waiting (seen: the package run hung after a timeout here).
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
  });

  it('is refused at start for an address it cannot use', async () => {
    const server = await startAppserver(['--metrics-bind', 'fd://3', 'app.ts'], { cwd: project.dir }).catch((err: Error) => err);
    assert.ok(server instanceof Error, 'the server does not start');
    assert.match(server.message, /--metrics-bind.*fd:\/\/N is not supported/s);
  });
});

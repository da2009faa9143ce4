/**
 * Connections spread evenly over the workers (connection-dispatcher.ts: the master accepts and
 * hands each connection to the next worker in turn). Before, with every worker accepting on the
 * shared socket, 20 keep-alive connections on 2 workers split 18/2, 2/18 and 20/0.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

const APP = `export const application = { fetch: () => new Response(String(process.pid)) };\n`;

/** Opens a keep-alive connection and asks which worker serves it; the connection stays open. */
async function openAndAsk(url: string, clients: Client[]): Promise<string> {
  const client = new Client(url, { keepAliveTimeout: 60_000 });
  clients.push(client);
  const { statusCode, body } = await client.request({ path: '/', method: 'GET' });
  assert.equal(statusCode, 200);
  return body.text();
}

/** How many connections each worker pid served. */
function tally(pids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return counts;
}

describe('connections spread evenly over workers', () => {
  let project: ReturnType<typeof tempProject>;
  const servers: AppserverProcess[] = [];
  const clients: Client[] = [];
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    await Promise.all(servers.map((s) => s.stop()));
    project.remove();
  });

  for (const workers of [2, 3]) {
    it(`-w ${workers}: ${workers * 10} keep-alive connections opened one after another give each worker exactly 10`, async () => {
      const server = await startAppserver(['-w', String(workers), 'app.ts'], { cwd: project.dir });
      servers.push(server);
      // Every worker serving before the count starts (the first ready would take the first connections).
      await server.waitFor(new RegExp(`Ready: ${workers} worker`));
      const pids: string[] = [];
      for (let i = 0; i < workers * 10; i++) pids.push(await openAndAsk(server.url, clients));
      const counts = tally(pids);
      assert.equal(counts.size, workers, `connections reached ${counts.size} of ${workers} workers: ${JSON.stringify([...counts])}`);
      for (const [pid, n] of counts) assert.equal(n, 10, `worker ${pid} got ${n} of ${workers * 10} connections: ${JSON.stringify([...counts])}`);
    });
  }

  // At once, a worker gets the next connection when it has answered for its last: one the OS
  // runs later takes fewer, by design, and how many fewer is the scheduler's (26/14 and 12/28
  // beside other tests starting processes; 31/9 in the full suite on Node 24; 3/37 in the full
  // suite on Node 20 on a loaded 2-core machine). So this asserts only that both workers get
  // their turns; shared accept's unevenness (18/2, 2/18 and 20/0 for 20 connections) is refused by
  // the one-after-another tests above, which count exactly.
  it('-w 2: 40 connections opened at once reach both workers, at least 2 each', async () => {
    const server = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir });
    servers.push(server);
    await server.waitFor(/Ready: 2 worker/);
    const pids = await Promise.all(Array.from({ length: 40 }, () => openAndAsk(server.url, clients)));
    const counts = tally(pids);
    assert.equal(counts.size, 2, `connections reached ${counts.size} of 2 workers: ${JSON.stringify([...counts])}`);
    for (const [pid, n] of counts) assert.ok(n >= 2, `worker ${pid} got ${n} of 40 connections: ${JSON.stringify([...counts])}`);
  });
});

/**
 * Fixture cases: each `valid/NNN` is sent and the probe's report compared with `NNN.json`; each
 * `invalid/NNN` must be answered with a 4xx, never reach the app, and close the connection.
 * @module
 */
import assert from 'node:assert/strict';
import { exchange } from './raw-http.js';
import { invalidFixtures, matchSubset, validFixtures } from './fixtures.js';
import { echoReport, type Kit } from './kit.js';
import { readObservation } from './observations.js';

function fill(raw: string, base: string, seen: string): string {
  const { port } = new URL(base);
  return raw.replaceAll('{seen}', seen).replaceAll('{port}', port);
}

/** Registers one case per fixture file. */
export function registerFixtureCases(kit: Kit): void {
  for (const fixture of validFixtures()) {
    const { expect } = fixture;
    kit.test(`S-FIX ${fixture.name}`, `${expect.title} (${expect.spec.join(' ')})`, async () => {
      const base = expect.server === 'restricted' ? kit.restricted() : kit.root();
      const seen = kit.id('fixture');
      const response = await exchange(base, fill(fixture.raw, base, seen), { head: fixture.raw.startsWith('HEAD ') });
      if (expect.refusal !== undefined && response.status === expect.refusal) {
        assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, `${fixture.name}: the server answered ${expect.refusal} but called the app`);
        return;
      }
      assert.equal(response.status, expect.status, `status of ${fixture.name}: ${response.body.toString('utf8').slice(0, 300)}`);
      if (expect.responseHeaders !== undefined) {
        for (const [name, value] of Object.entries(expect.responseHeaders)) assert.equal(response.header(name), value, `response header ${name}`);
      }
      if (expect.saw !== undefined) {
        const report = echoReport(response);
        const { port } = new URL(base);
        const saw = JSON.parse(JSON.stringify(expect.saw).replaceAll('{port}', port).replaceAll('{seen}', seen)) as Record<string, unknown>;
        const actual = { ...report, headers: Object.fromEntries(report.headers) };
        const differences = matchSubset(actual, saw);
        assert.deepEqual(differences, [], `what the app saw differs from ${fixture.name}.json`);
        assert.deepEqual(report.violations, [], 'the probe found server-side violations');
      }
      if (expect.appCalled === false) assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, `${fixture.name}: the request reached the app`);
    });
  }
  for (const fixture of invalidFixtures()) {
    const { expect } = fixture;
    kit.test(`S-FIX ${fixture.name}`, `${expect.title} -> ${expect.status.join('/')} (${expect.spec.join(' ')})`, async () => {
      const base = expect.server === 'restricted' ? kit.restricted() : kit.root();
      const seen = kit.id('invalid');
      const response = await exchange(base, fill(fixture.raw, base, seen), { closeWaitMs: kit.closeWaitMs });
      assert.ok(expect.status.includes(response.status), `${fixture.name}: expected ${expect.status.join(' or ')}, got ${response.status} ${response.statusText}`);
      if (expect.appMayRun !== true) assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, `${fixture.name}: the malformed request reached the app`);
      assert.ok(response.closed, `${fixture.name}: the server kept the connection open after a malformed request (SPEC 3.9.2)`);
    });
  }
}

/**
 * The conformance kit against a plain node:http server wired by hand with `toNodeListener`
 * (checkContinue registered, startup and shutdown run around it), run the way a server author
 * claims conformance (SPEC 9.3): the harness file through `runConformance`, in a child
 * `node --test`, read back as a JSON report. Every case must pass.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TSGI_VERSION } from '../types.js';
import { runConformance } from './claim.js';

it('[S-CLAIM] node:http + toNodeListener: every case passes, and the report claims core + tsgi.file', { timeout: 600_000 }, async () => {
  const harness = fileURLToPath(new URL('./testdata/node-listener.harness.ts', import.meta.url));
  const report = await runConformance(harness, { name: 'node:http + toNodeListener', imports: ['tsx'], nodeFlags: ['--conditions=source'] });
  // An extension's cases are skipped as not applicable where the harness does not declare it.
  const notPassed = report.cases.filter((c) => c.status !== 'pass' && !(c.status === 'skip' && c.reason?.startsWith('not applicable'))).map((c) => `[${c.tag}] ${c.title}: ${c.status} ${c.error ?? c.reason ?? ''}`);
  assert.deepEqual(notPassed, [], `cases that did not pass:\n${notPassed.join('\n')}`);
  assert.ok(report.cases.length >= 100, `only ${report.cases.length} cases ran`);
  assert.equal(report.tsgiVersion, TSGI_VERSION);
  assert.equal(report.core, true);
  assert.ok(report.extensions.includes('tsgi.file'), `extensions claimed: ${report.extensions.join(', ')}`);
  assert.match(report.claim, new RegExp(`^TSGI ${TSGI_VERSION.replace('.', '\\.')} server, core( \\+ [a-z.-]+)*$`));
  assert.ok(report.claim.includes(' + tsgi.file'));
});

/** The report and claim logic of `tsgi-conformance`, and its command line. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TSGI_VERSION } from '../types.js';
import { reportOf, type CaseReport } from './claim.js';
import { main } from './cli.js';

const pass = (tag: string): CaseReport => ({ tag, title: tag, section: 's', status: 'pass', durationMs: 1 });

it('a run where every case passes claims core and each extension whose cases all passed', () => {
  const report = reportOf('x', 'h.ts', [pass('S-HOP'), pass('S-FILE'), pass('S-FILE-MISSING'), pass('S-WS-ECHO'), { ...pass('S-WS-CLOSE'), status: 'skip', reason: 'tsgi.websocket not declared' }]);
  assert.equal(report.core, true);
  assert.deepEqual(report.extensions, ['tsgi.file']);
  assert.equal(report.claim, `TSGI ${TSGI_VERSION} server, core + tsgi.file`);
  assert.deepEqual(report.summary, { pass: 4, fail: 0, skip: 1, todo: 0, knownFailure: 0 });
});

it('a failed or todo core case means no claim, and the sentence names the cases', () => {
  for (const status of ['fail', 'todo'] as const) {
    const report = reportOf('x', 'h.ts', [pass('S-HOP'), { ...pass('S-CTX'), status }, { ...pass('S-MOUNT'), status: 'known-failure' }, pass('S-FILE')]);
    assert.equal(report.core, false, status);
    assert.equal(report.claim, `not TSGI ${TSGI_VERSION} conformant: 1 core case(s) did not pass (S-CTX)`);
  }
  assert.equal(reportOf('x', 'h.ts', []).core, false, 'no case at all is no claim');
});

it('deviations the harness names (known failures, skips) give a claim that names them, not core', () => {
  const report = reportOf('x', 'h.ts', [pass('S-HOP'), { ...pass('S-ABORT-REASON'), status: 'known-failure' }, { ...pass('S-MOUNT-404'), status: 'skip' }, pass('S-FILE')]);
  assert.equal(report.core, false);
  assert.equal(report.claim, `TSGI ${TSGI_VERSION} server, core except S-ABORT-REASON, S-MOUNT-404 + tsgi.file`);
  assert.equal(report.summary.knownFailure, 1);
});

it('the command line: --help exits 0, no harness or two harnesses exit 2 with the usage', async () => {
  const out: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    assert.equal(await main(['--help']), 0);
    assert.equal(await main([]), 2);
    assert.equal(await main(['a.ts', 'b.ts']), 2);
    assert.equal(await main(['--bogus']), 2);
    assert.equal(await main(['/nonexistent/harness.mjs']), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
  assert.match(out.join('\n'), /usage: tsgi-conformance HARNESS/);
  assert.match(out.join('\n'), /give exactly one harness file/);
  assert.match(out.join('\n'), /Cannot find module|ERR_MODULE_NOT_FOUND|no report|no kit case/);
});

/**
 * The README's conformance table is generated from the kit's case list and the harnesses'
 * known failures; this test fails when the README drifts from it, and prints the Markdown to
 * paste. It also checks that every row's harness file exists and registers no todo or skip
 * list of its own, which would make its count claim more than its run shows.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_ROWS, renderConformanceTable } from './testdata/conformance-table.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const START = /<!-- conformance table: [^\n]*-->\n/;
const END = '<!-- end of conformance table -->';

it('README.md shows the conformance table the harnesses and the kit give', () => {
  const readme = readFileSync(README, 'utf8');
  const start = START.exec(readme);
  assert.ok(start !== null, 'packages/tsgi/README.md has no conformance table marker');
  const end = readme.indexOf(END, start.index);
  assert.ok(end > 0, 'packages/tsgi/README.md has no end marker for the conformance table');
  const actual = readme.slice(start.index + start[0].length, end).trim();
  const expected = renderConformanceTable().trim();
  assert.equal(actual, expected, `packages/tsgi/README.md's conformance table is stale; replace it with:\n\n${expected}\n`);
});

it('each row stands for a harness run with no todo or skip list', () => {
  for (const row of CONFORMANCE_ROWS) {
    assert.ok(existsSync(`${REPO_ROOT}${row.harness}`), `${row.server}: ${row.harness} does not exist`);
    const source = readFileSync(`${REPO_ROOT}${row.harness}`, 'utf8');
    assert.match(source, /describeServerConformance\(|runConformance\(/, `${row.harness} does not run the kit`);
    assert.doesNotMatch(source, /\b(todo|skip)\s*:/, `${row.harness} hides cases behind todo/skip; list them as knownFailures instead`);
  }
});

/**
 * The README's tsgi-appserver option list is generated from the settings table; this test
 * fails when they drift apart, and prints the Markdown to paste.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderOptionsMarkdown } from './help.js';
import { REPO_ROOT } from './testing/spawn-appserver.js';

const START = /<!-- tsgi-appserver options: [^\n]*-->\n/;
const END = '<!-- end of tsgi-appserver options -->';

it('README.md lists exactly the options of the settings table', () => {
  const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
  const start = START.exec(readme);
  assert.ok(start !== null, 'README.md has no tsgi-appserver options marker');
  const end = readme.indexOf(END, start.index);
  assert.ok(end > 0, 'README.md has no end marker for the tsgi-appserver options');
  const actual = readme.slice(start.index + start[0].length, end).trim();
  const expected = renderOptionsMarkdown().trim();
  assert.equal(actual, expected, `README.md's option list is stale; replace it with:\n\n${expected}\n`);
});

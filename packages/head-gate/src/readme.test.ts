/**
 * The README's rule table is generated from HEAD_RULES; this test fails when they drift apart,
 * and prints the Markdown to paste.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderRulesMarkdown } from './rules.js';

const START = '<!-- head-gate rules: generated from src/rules.ts -->\n';
const END = '<!-- end of head-gate rules -->';

test('README.md lists exactly the rules of HEAD_RULES', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  assert.ok(start >= 0 && end > start, 'README.md has no rule table markers');
  const expected = renderRulesMarkdown();
  assert.equal(readme.slice(start + START.length, end).trim(), expected, `README.md's rule table is stale; replace it with:\n\n${expected}\n`);
});

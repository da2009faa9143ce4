/**
 * SPEC.md stays honest: every tagged MUST is in the requirement table, and everything the table
 * names as its check exists (kit case tags, fixture files, validate() codes). The README lists
 * every validate() code.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { TSGI_VIOLATIONS } from './validate-codes.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const spec = readFileSync(join(root, 'SPEC.md'), 'utf8');
const tableStart = spec.indexOf('## 12. Requirement table');
const body = spec.slice(0, tableStart);
const table = spec.slice(tableStart);
const kitSource = readdirSync(join(root, 'src/conformance'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(root, 'src/conformance', f), 'utf8'))
  .join('\n');

describe('SPEC.md requirement table', () => {
  it('lists every tagged requirement, and only those', () => {
    const tagged = new Set([...body.matchAll(/\*\*\[(R[0-9][0-9.a-z]*)\]\*\*/g)].map((m) => m[1]));
    const rows = new Set([...table.matchAll(/^\| (R[0-9][0-9.a-z]*) \|/gm)].map((m) => m[1]));
    assert.deepEqual([...tagged].filter((t) => !rows.has(t)), [], 'tags missing from the table');
    assert.deepEqual([...rows].filter((t) => !tagged.has(t)), [], 'table rows with no tag in the text');
  });

  it('names only kit cases that exist', () => {
    const named = new Set([...table.matchAll(/\b(S-[A-Z0-9]+(?:-[A-Z0-9]+)*|A-[A-Z]+)\b/g)].map((m) => m[1]));
    const missing = [...named].filter((tag) => !kitSource.includes(`'${tag}'`) && !kitSource.includes(`[${tag}]`));
    assert.deepEqual(missing, []);
  });

  it('names only fixtures that exist', () => {
    const missing: string[] = [];
    for (const [, kind, from, to] of table.matchAll(/\b(valid|invalid)\/(\d{3})(?:-(\d{3}))?/g)) {
      for (let n = Number(from); n <= Number(to ?? from); n++) {
        const name = `${kind}/${String(n).padStart(3, '0')}`;
        if (!existsSync(join(root, 'conformance/fixtures', `${name}.http`))) missing.push(name);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('names only validate() codes that exist', () => {
    const codes = new Set(Object.keys(TSGI_VIOLATIONS));
    const named = [...spec.matchAll(/TSGI_E_[A-Z0-9_]+/g)].map((m) => m[0]);
    assert.deepEqual(named.filter((code) => !codes.has(code)), []);
  });
});

describe('README.md', () => {
  it('documents every validate() code', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.deepEqual(Object.keys(TSGI_VIOLATIONS).filter((code) => !readme.includes(`\`${code}\``)), []);
  });
});

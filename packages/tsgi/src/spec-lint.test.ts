/**
 * SPEC.md's requirement language is linted (SPEC 1.2): every sentence with an RFC 2119 keyword
 * carries a tag, every tag sits in a sentence with a keyword, every tag has a row in the section 12
 * table, and every row names a check that exists and knows the tag (a kit case whose title cites
 * it, a fixture whose `spec` lists it, a validate() code whose `spec` cites it) or states why
 * nothing can observe it (`unobservable: <reason>`).
 *
 * Data-driven: a new section (an extension) needs no change here. Its sentences are tagged, its
 * rows appended to the table, its kit cases registered in SERVER_SECTIONS with the tags in their
 * titles (`[S-WS-ECHO] ... (R7.3.2)`), and the lint picks them up.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { listServerCases } from './conformance/server-suite.js';
import { TSGI_VIOLATIONS } from './validate-codes.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const spec = readFileSync(join(root, 'SPEC.md'), 'utf8');
const tableStart = spec.indexOf('## 12. Requirement table');
const body = spec.slice(0, tableStart);
const table = spec.slice(tableStart);

/** RFC 2119 keywords that make a sentence a requirement (MAY and OPTIONAL do not). */
const KEYWORD = /\b(MUST NOT|MUST|SHOULD NOT|SHOULD|REQUIRED|SHALL NOT|SHALL|RECOMMENDED)\b/;
/** Capitalised words RFC 2119 does not define, next to a keyword ("MUST NEVER" is not one). */
const NOT_A_KEYWORD = /\b(?:MUST|SHOULD|SHALL|MAY) (?:NEVER|ALWAYS|ONLY|ALSO|BE|NOT EVER)\b/;
const TAG = /\*\*\[(R[0-9][0-9.a-z]*)\]\*\*/g;
/** What a row's "checked by" cell starts with when no check can observe the requirement. */
const UNOBSERVABLE = 'unobservable:';

interface Sentence {
  readonly section: string;
  readonly text: string;
}

/** The normative text as sentences: code blocks, headings and link definitions dropped; list items and table rows are sentences of their own. */
function sentences(markdown: string): Sentence[] {
  const out: Sentence[] = [];
  let section = '';
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  for (const paragraph of text.split(/\n\s*\n/)) {
    const lines = paragraph.split('\n').filter((l) => l.trim() !== '' && !/^\[[^\]]+\]: /.test(l));
    if (lines.length === 0) continue;
    const heading = /^#{2,4} (\d+(?:\.\d+)*)\./.exec(lines[0]!);
    if (heading !== null) section = heading[1]!;
    const units: string[] = [];
    for (const line of lines) {
      if (/^#{1,6} /.test(line) || /^\|[-| ]+\|$/.test(line.trim())) continue;
      if (/^\s*(- |\|)/.test(line) || units.length === 0) units.push(line.trim());
      else units[units.length - 1] += ` ${line.trim()}`;
    }
    for (const unit of units) {
      const numbered = /^(\d+(?:\.\d+)+)\. /.exec(unit);
      const where = numbered?.[1] ?? section;
      // A sentence ends at '.' before a capital, a backtick, a bracket or a quote (not after e.g./i.e.).
      for (const s of unit.split(/(?<!\b(?:e\.g|i\.e|etc|cf|vs))(?<=\.)\s+(?=[A-Z`("*[])/)) out.push({ section: where, text: s });
    }
  }
  return out;
}

/** A sentence's words outside inline code and double quotes: where keywords count. */
function prose(text: string): string {
  return text.replace(/`[^`]*`/g, '``').replace(/"[^"]*"/g, '""');
}

interface Row {
  readonly tag: string;
  readonly party: string;
  readonly checks: string;
}

function rows(): Row[] {
  return [...table.matchAll(/^\| (R[0-9][0-9.a-z]*) \| ([^|]+) \| (?:[^|]|\\\|)+ \| (.+) \|$/gm)].map((m) => ({ tag: m[1]!, party: m[2]!.trim(), checks: m[3]!.trim() }));
}

/** Every server case title and fixture title by its id, and every app case title from the app suite's source. */
function caseTitles(): Map<string, string> {
  const titles = new Map<string, string>();
  for (const section of listServerCases()) for (const c of section.cases) titles.set(c.tag, c.title);
  const appSuite = readFileSync(join(root, 'src/conformance/app-suite.ts'), 'utf8');
  for (const m of appSuite.matchAll(/\[(A-[A-Z0-9-]+)\] ([^`']*)/g)) titles.set(m[1]!, m[2]!);
  return titles;
}

const TEXT = sentences(body);

describe('SPEC.md requirement language (SPEC 1.2)', () => {
  it('every sentence with MUST, MUST NOT, SHOULD, SHOULD NOT or REQUIRED carries a tag', () => {
    const untagged = TEXT.filter((s) => KEYWORD.test(prose(s.text)) && !/\*\*\[R[0-9]/.test(s.text));
    assert.deepEqual(untagged.map((s) => `${s.section}: ${s.text.slice(0, 160)}`), []);
  });

  it('every tag sits in a sentence with an RFC 2119 keyword', () => {
    const bare = TEXT.filter((s) => /\*\*\[R[0-9]/.test(s.text) && !KEYWORD.test(prose(s.text)));
    assert.deepEqual(bare.map((s) => `${s.section}: ${s.text.slice(0, 160)}`), []);
  });

  it('uses only the RFC 2119 keywords ("MUST NEVER" is not one)', () => {
    const wrong = TEXT.filter((s) => NOT_A_KEYWORD.test(prose(s.text)));
    assert.deepEqual(wrong.map((s) => `${s.section}: ${s.text.slice(0, 160)}`), []);
  });

  it('every tag is unique to one requirement and has one row in section 12', () => {
    const seen = new Map<string, number>();
    for (const row of rows()) seen.set(row.tag, (seen.get(row.tag) ?? 0) + 1);
    assert.deepEqual([...seen].filter(([, n]) => n > 1).map(([t]) => t), [], 'tags with several rows');
    const tagged = new Set([...body.matchAll(TAG)].map((m) => m[1]!));
    assert.deepEqual([...tagged].filter((t) => !seen.has(t)), [], 'tags missing from the table');
  });

  it('every row is checked by something that cites its tag, or says why it cannot be observed', () => {
    const titles = caseTitles();
    const cites = (text: string, tag: string) => new RegExp(`\\b${tag.replaceAll('.', '\\.')}\\b(?![.a-z0-9])`).test(text);
    const problems: string[] = [];
    for (const row of rows()) {
      if (row.checks.startsWith(UNOBSERVABLE)) {
        if (row.checks.length - UNOBSERVABLE.length < 20) problems.push(`${row.tag}: the reason it cannot be observed is missing`);
        continue;
      }
      const cases = [...row.checks.matchAll(/\b(S-[A-Z0-9]+(?:-[A-Z0-9]+)*|A-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b/g)].map((m) => m[1]!);
      const fixtures: string[] = [];
      for (const [, kind, from, to] of row.checks.matchAll(/\b(valid|invalid)\/(\d{3})(?:[-–](\d{3}))?/g)) {
        for (let n = Number(from); n <= Number(to ?? from); n++) fixtures.push(`S-FIX ${kind}/${String(n).padStart(3, '0')}`);
      }
      const codes = [...row.checks.matchAll(/TSGI_E_[A-Z0-9_]+/g)].map((m) => m[0] as keyof typeof TSGI_VIOLATIONS);
      if (cases.length + fixtures.length + codes.length === 0) {
        problems.push(`${row.tag}: names no kit case, fixture or validate() code, and no "${UNOBSERVABLE} <reason>"`);
        continue;
      }
      const citing = [
        ...[...cases, ...fixtures].filter((id) => titles.has(id) && cites(titles.get(id)!, row.tag)),
        ...codes.filter((code) => TSGI_VIOLATIONS[code] !== undefined && cites(TSGI_VIOLATIONS[code].spec, row.tag)),
      ];
      if (citing.length === 0) problems.push(`${row.tag}: none of ${[...cases, ...fixtures, ...codes].join(', ')} cites ${row.tag} in its title or spec`);
    }
    assert.deepEqual(problems, []);
  });
});

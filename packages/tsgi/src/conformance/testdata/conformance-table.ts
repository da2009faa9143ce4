/**
 * The README's conformance table: each server the repository runs the kit against, its pass
 * count per kit section, and the notes naming each case a host fails and why. Built from the
 * kit's case list and the harnesses' `knownFailures`, which the harness runs hold true (a listed
 * case that passes fails its run), so the table cannot claim more or less than CI shows.
 * conformance-table.test.ts checks the README against it. Test-only.
 * @module
 */
import { listServerCases } from '../server-suite.js';
import { HONO_NODE_SERVER_KNOWN_FAILURES, SRVX_KNOWN_FAILURES } from './known-failures.js';

/** One server of the table and the test file that runs the kit against it. */
export interface ConformanceRow {
  readonly server: string;
  /** The test file (from the repository root) whose run the row's count stands for. */
  readonly harness: string;
  readonly knownFailures: Readonly<Record<string, string>>;
  /** The extensions the server declares; the kit's cases for any other extension are not applicable to it. */
  readonly extensions: readonly string[];
}

/** What the node adapter declares: serve(), toNodeListener and tsgi-appserver (SPEC 7). */
const NODE_ADAPTER_EXTENSIONS = ['tsgi.file', 'tsgi.early-hints', 'tsgi.trailers'];

/** The servers, tsgi's own first. Their harnesses pass no todo or skip lists; only these known failures. */
export const CONFORMANCE_ROWS: readonly ConformanceRow[] = [
  { server: '`serve()`', harness: 'packages/tsgi/src/conformance/serve.conformance.test.ts', knownFailures: {}, extensions: [...NODE_ADAPTER_EXTENSIONS, 'tsgi.websocket'] },
  { server: 'node:http + `toNodeListener`', harness: 'packages/tsgi/src/conformance/node-listener.conformance.test.ts', knownFailures: {}, extensions: NODE_ADAPTER_EXTENSIONS },
  { server: 'tsgi-appserver `-w 1`', harness: 'packages/appserver/src/appserver-w1.conformance.test.ts', knownFailures: {}, extensions: [...NODE_ADAPTER_EXTENSIONS, 'tsgi.websocket'] },
  { server: 'tsgi-appserver `-w 2`', harness: 'packages/appserver/src/appserver-w2.conformance.test.ts', knownFailures: {}, extensions: [...NODE_ADAPTER_EXTENSIONS, 'tsgi.websocket'] },
  { server: 'srvx + `toFetchHandler`', harness: 'packages/tsgi/src/conformance/srvx.conformance.test.ts', knownFailures: SRVX_KNOWN_FAILURES, extensions: [] },
  { server: '@hono/node-server + `toFetchHandler`', harness: 'packages/tsgi/src/conformance/hono-node-server.conformance.test.ts', knownFailures: HONO_NODE_SERVER_KNOWN_FAILURES, extensions: [] },
];

/** The table and its notes, as Markdown. */
export function renderConformanceTable(rows: readonly ConformanceRow[] = CONFORMANCE_ROWS): string {
  const sections = listServerCases();
  const known = new Set(rows.flatMap((row) => Object.keys(row.knownFailures)));
  const tags = new Set(sections.flatMap((section) => section.cases.map((c) => c.tag)));
  for (const tag of known) if (!tags.has(tag)) throw new Error(`knownFailures names ${tag}, which is not a case of the kit`);
  const lines = [
    `| server | ${sections.map((section) => section.title).join(' | ')} | all |`,
    `|---|${sections.map(() => '---:').join('|')}|---:|`,
  ];
  const notApplicable: string[] = [];
  for (const row of rows) {
    // A case for an extension the server does not declare is skipped by the kit: not counted.
    const applies = (c: { extension?: string }) => c.extension === undefined || row.extensions.includes(c.extension);
    const applicable = sections.map((section) => section.cases.filter(applies));
    const passed = applicable.map((cases) => cases.filter((c) => row.knownFailures[c.tag] === undefined).length);
    const cells = passed.map((n, i) => (applicable[i]!.length === 0 ? 'n/a' : `${n}/${applicable[i]!.length}`));
    const sum = passed.reduce((a, b) => a + b, 0);
    const total = applicable.reduce((n, cases) => n + cases.length, 0);
    lines.push(`| ${row.server} | ${cells.join(' | ')} | **${sum}/${total}** |`);
    const missing = [...new Set(sections.flatMap((section) => section.cases.filter((c) => !applies(c)).map((c) => c.extension!)))];
    if (missing.length > 0) notApplicable.push(`- ${row.server} declares no ${missing.map((name) => `\`${name}\``).join(', ')}: those cases are not applicable.`);
  }
  const notes = rows.flatMap((row) =>
    Object.entries(row.knownFailures).map(([tag, reason]) => `- ${row.server}, \`${tag}\`: ${reason}.`),
  );
  return [
    lines.join('\n'),
    '',
    notes.length === 0 ? 'Every server passes every case that applies to it (`n/a`: an extension it does not declare).' : 'What fails, and why only the host can change it:',
    '',
    ...notes,
    ...(notApplicable.length === 0 ? [] : ['', ...notApplicable]),
  ].join('\n');
}

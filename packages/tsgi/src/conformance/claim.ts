/**
 * Conformance claims (SPEC 9.3): the server suite run against any server from a harness file,
 * in a child `node --test`, read back as a JSON report that says which cases passed and what
 * the server may claim: "TSGI 1.1 server, core + tsgi.file". A server author publishes the
 * report beside the claim; the README's table of third-party hosts is built the same way.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TSGI_VERSION } from '../types.js';

/** One test as the JSON reporter (conformance/json-reporter.mjs) writes it. */
interface ReportedTest {
  /** The test's name: `[TAG] title` for kit cases. */
  readonly name: string;
  /** The names of the suites around it, outermost first. */
  readonly suites: readonly string[];
  readonly status: 'pass' | 'fail' | 'skip' | 'todo';
  /** The skip or todo reason, when the runner gave one. */
  readonly reason?: string;
  /** The failure's message (the first 2,000 characters). */
  readonly error?: string;
  readonly durationMs: number;
}

/** The reporter, plain JavaScript in the package's conformance folder (same place from src and dist). */
const REPORTER = new URL('../../conformance/json-reporter.mjs', import.meta.url).href;

/** One kit case in a report. */
export interface CaseReport {
  /** The tag in brackets: `S-HOP`, `S-FIX valid/010`. */
  readonly tag: string;
  readonly title: string;
  /** The section of the server suite it belongs to. */
  readonly section: string;
  /** `known-failure`: listed in the harness's knownFailures, and it did fail (the kit checks that). */
  readonly status: ReportedTest['status'] | 'known-failure';
  readonly reason?: string;
  readonly error?: string;
  readonly durationMs: number;
}

/** What {@link runConformance} returns and the CLI writes with `--json`. */
export interface ConformanceReport {
  /** The version of SPEC.md this kit checks. */
  readonly tsgiVersion: string;
  /** The name given to the run (the CLI's `--name`, default the harness file's name). */
  readonly server: string;
  /** The harness file, as given. */
  readonly harness: string;
  /** When the run ended (ISO 8601). */
  readonly date: string;
  /** Node.js running the kit. */
  readonly node: string;
  readonly summary: { readonly pass: number; readonly fail: number; readonly skip: number; readonly todo: number; readonly knownFailure: number };
  /** Core conformance (SPEC 9.2): every core case passed, none skipped, none a known failure, none left to do. */
  readonly core: boolean;
  /** Extensions whose cases all ran and passed (a case of an undeclared extension is skipped). */
  readonly extensions: readonly string[];
  /** The sentence SPEC 9.3 asks for, or why there is none. */
  readonly claim: string;
  readonly cases: readonly CaseReport[];
}

/**
 * Case tags that belong to an extension rather than to the core: their cases run only when the
 * server declares the extension (SPEC 4.4.1), and a claim lists the extension when they all pass.
 */
export const EXTENSION_CASES: ReadonlyArray<{ readonly extension: string; readonly tag: RegExp }> = [
  { extension: 'tsgi.file', tag: /^S-FILE(-|$)/ },
  { extension: 'tsgi.websocket', tag: /^S-WS(-|$)/ },
  { extension: 'tsgi.early-hints', tag: /^S-HINTS(-|$)/ },
  { extension: 'tsgi.trailers', tag: /^S-TRAILERS(-|$)/ },
  { extension: 'tsgi.tls', tag: /^S-TLS(-|$)/ },
];

/** Options of {@link runConformance}. */
export interface RunConformanceOptions {
  /** The server's name in the report (default: the harness file's base name). */
  readonly name?: string;
  /** Modules preloaded in the child (`node --import`), e.g. `['tsx']` for a TypeScript harness on Node 20. */
  readonly imports?: readonly string[];
  /** Extra node flags for the child, e.g. `['--conditions=source']`. */
  readonly nodeFlags?: readonly string[];
  /** The child's working directory (default: the current one). */
  readonly cwd?: string;
  /** Longest run, in ms (default 15 minutes); the child is killed after it. */
  readonly timeoutMs?: number;
}

const TAGGED = /^\[([^\]]+)\]\s*(.*)$/;
/** How the kit names a case the harness lists in knownFailures (kit.ts). */
const KNOWN_FAILURE = / \(known failure: (.*)\)$/s;

/** Splits `[TAG] title` into its parts; undefined for a test the kit did not name. */
function caseOf(test: ReportedTest): CaseReport | undefined {
  const match = TAGGED.exec(test.name);
  if (match === null) return undefined;
  const known = KNOWN_FAILURE.exec(match[2]!);
  // A known failure "passes" in node:test when it fails as listed; the report calls it what it is.
  const status = known !== null && test.status === 'pass' ? 'known-failure' : test.status;
  const reason = known !== null ? known[1] : test.reason;
  return {
    tag: match[1]!,
    title: known !== null ? match[2]!.slice(0, known.index) : match[2]!,
    section: test.suites.at(-1) ?? '',
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(test.error !== undefined ? { error: test.error } : {}),
    durationMs: test.durationMs,
  };
}

function extensionOf(tag: string): string | undefined {
  return EXTENSION_CASES.find((e) => e.tag.test(tag))?.extension;
}

/**
 * The report for a list of kit cases: the summary, core conformance, the extensions claimed and
 * the claim sentence.
 *
 * @example
 * ```ts
 * reportOf('my server', 'harness.ts', cases).claim; // 'TSGI 1.1 server, core + tsgi.file'
 * ```
 */
export function reportOf(server: string, harness: string, cases: readonly CaseReport[]): ConformanceReport {
  const count = (status: CaseReport['status']) => cases.filter((c) => c.status === status).length;
  const summary = { pass: count('pass'), fail: count('fail'), skip: count('skip'), todo: count('todo'), knownFailure: count('known-failure') };
  const coreCases = cases.filter((c) => extensionOf(c.tag) === undefined);
  const core = coreCases.length > 0 && coreCases.every((c) => c.status === 'pass');
  const byExtension = new Map<string, CaseReport[]>();
  for (const c of cases) {
    const extension = extensionOf(c.tag);
    if (extension !== undefined) byExtension.set(extension, [...(byExtension.get(extension) ?? []), c]);
  }
  const extensions = [...byExtension].filter(([, list]) => list.every((c) => c.status === 'pass')).map(([name]) => name);
  return {
    tsgiVersion: TSGI_VERSION,
    server,
    harness,
    date: new Date().toISOString(),
    node: process.version,
    summary,
    core,
    extensions,
    claim: claimSentence(core, extensions, coreCases),
    cases,
  };
}

function claimSentence(core: boolean, extensions: readonly string[], coreCases: readonly CaseReport[]): string {
  const withExtensions = extensions.map((e) => ` + ${e}`).join('');
  if (core) return `TSGI ${TSGI_VERSION} server, core${withExtensions}`;
  const open = coreCases.filter((c) => c.status !== 'pass');
  const list = (cases: readonly CaseReport[]) => `${cases.slice(0, 10).map((c) => c.tag).join(', ')}${cases.length > 10 ? ', ...' : ''}`;
  // Deviations the harness names (knownFailures, skip) make a claim that names them (SPEC 9.3);
  // a failure nobody listed, or a case left to do, makes none.
  const named = open.filter((c) => c.status === 'known-failure' || c.status === 'skip');
  if (coreCases.length > 0 && named.length === open.length) return `TSGI ${TSGI_VERSION} server, core except ${list(named)}${withExtensions}`;
  const unnamed = open.filter((c) => c.status !== 'known-failure' && c.status !== 'skip');
  return `not TSGI ${TSGI_VERSION} conformant: ${unnamed.length} core case(s) did not pass (${list(unnamed)})`;
}

/** The test file the child runs: the harness module's default export through the server suite. */
function entrySource(harnessUrl: string, kitUrl: string, name: string): string {
  return [
    `import * as module from ${JSON.stringify(harnessUrl)};`,
    `import { describeServerConformance } from ${JSON.stringify(kitUrl)};`,
    `const harness = module.default ?? module.harness;`,
    `if (harness === undefined || typeof harness.start !== 'function') throw new TypeError('the harness file exports no ServerHarness (a default export, or one named harness, with start(probe, config))');`,
    `describeServerConformance(${JSON.stringify(name)}, harness);`,
    '',
  ].join('\n');
}

/** The sibling module's URL in whichever form this one runs (TypeScript sources under tsx, or dist). */
function sibling(file: string): string {
  return new URL(`./${file}${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
}

/**
 * Runs the server suite against the harness exported by `harnessFile` (its default export, or
 * an export named `harness`) in a child `node --test`, and returns the report.
 *
 * @example
 * ```ts
 * const report = await runConformance('test/my-server.harness.ts', { imports: ['tsx'] });
 * console.log(report.claim); // 'TSGI 1.1 server, core + tsgi.file'
 * ```
 */
export async function runConformance(harnessFile: string, options: RunConformanceOptions = {}): Promise<ConformanceReport> {
  const cwd = options.cwd ?? process.cwd();
  const harnessPath = resolve(cwd, harnessFile);
  const name = options.name ?? harnessFile.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-conformance-'));
  try {
    const entry = join(dir, 'kit.test.mjs');
    writeFileSync(entry, entrySource(pathToFileURL(harnessPath).href, sibling('index'), name));
    const out = join(dir, 'cases.json');
    const args = [
      ...(options.nodeFlags ?? []),
      ...(options.imports ?? []).flatMap((m) => ['--import', m]),
      '--test',
      `--test-reporter=${REPORTER}`,
      `--test-reporter-destination=${out}`,
      entry,
    ];
    const stderr = await runChild(args, cwd, options.timeoutMs ?? 15 * 60_000);
    let tests: ReportedTest[];
    try {
      tests = (JSON.parse(readFileSync(out, 'utf8')) as { tests: ReportedTest[] }).tests;
    } catch {
      throw new Error(`the conformance run wrote no report; node said:\n${stderr.slice(-4_000)}`);
    }
    const cases = tests.map(caseOf).filter((c) => c !== undefined);
    if (cases.length === 0) throw new Error(`the conformance run found no kit case; node said:\n${stderr.slice(-4_000)}`);
    return reportOf(name, harnessFile, cases);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs node with `args`; resolves with its stderr once it exits (its exit code is in the report). */
function runChild(args: string[], cwd: string, timeoutMs: number): Promise<string> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else a child under a node:test parent reports to the parent
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-64_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolvePromise(stderr);
    });
  });
}

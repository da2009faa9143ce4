/**
 * `tsgi-conformance`: the conformance kit's server suite against any server, from the command
 * line, with a JSON report and the claim it supports (SPEC 9.3).
 *
 * @example
 * ```sh
 * npx tsgi-conformance my-server.harness.ts --name "my server 2.1" --json conformance.json
 * ```
 * @module
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runConformance, type ConformanceReport } from './claim.js';

const USAGE = `usage: tsgi-conformance HARNESS [--name NAME] [--json FILE] [--import MODULE ...]

Runs the TSGI conformance kit's server suite against the server that HARNESS starts (a module
whose default export, or export named "harness", is a ServerHarness: see the kit's README).
Prints each case that did not pass and the claim the run supports; --json writes the report.
A TypeScript harness is loaded through tsx on Node versions that cannot strip types.
Exit status: 0 when the server is core conformant, 1 when not, 2 on a usage or run error.`;

/** Runs the command with `argv` (without node and the script); resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { name: { type: 'string' }, json: { type: 'string' }, import: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`tsgi-conformance: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [harness, ...extra] = parsed.positionals;
  if (harness === undefined || extra.length > 0) {
    console.error(`tsgi-conformance: give exactly one harness file\n\n${USAGE}`);
    return 2;
  }
  let report: ConformanceReport;
  try {
    report = await runConformance(harness, { ...(parsed.values.name !== undefined ? { name: parsed.values.name } : {}), imports: parsed.values.import ?? defaultImports(harness) });
  } catch (error) {
    console.error(`tsgi-conformance: ${(error as Error).message}`);
    return 2;
  }
  print(report);
  if (parsed.values.json !== undefined) writeFileSync(parsed.values.json, JSON.stringify(report, null, 2) + '\n');
  return report.core ? 0 : 1;
}

/** tsx for a TypeScript harness where node cannot strip types itself (before Node 23.6). */
function defaultImports(harness: string): string[] {
  const typescript = /\.[cm]?ts$/.test(harness);
  const strips = (process.features as { typescript?: unknown }).typescript !== undefined && (process.features as { typescript?: unknown }).typescript !== false;
  return typescript && !strips ? ['tsx'] : [];
}

function print(report: ConformanceReport): void {
  for (const c of report.cases) {
    if (c.status === 'pass') continue;
    const why = c.error ?? c.reason ?? '';
    console.log(`${c.status.padEnd(13)} [${c.tag}] ${c.title}${why ? `\n              ${why.split('\n')[0]}` : ''}`);
  }
  const { pass, fail, skip, todo, knownFailure } = report.summary;
  console.log(`\n${report.server}: ${pass} passed, ${fail} failed, ${knownFailure} known failures, ${skip} skipped, ${todo} todo (${report.cases.length} cases, TSGI ${report.tsgiVersion} kit, Node ${report.node})`);
  console.log(report.claim);
}

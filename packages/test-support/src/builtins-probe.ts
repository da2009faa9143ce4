/**
 * Which of node's TLS and HTTP/2 modules (node:tls, node:https, node:http2) a server's processes
 * loaded: they cost up to +11 MB of RSS each on Node 24, and a server serving plain HTTP does
 * without them (eslint.config.js).
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The probe: a plain .mjs so node loads it before any TypeScript loader (../probe/, next to src/ and dist/). */
const PROBE = fileURLToPath(new URL('../probe/builtins-probe.mjs', import.meta.url));

/** What one process of the server loaded, as the probe wrote it at the process's exit. */
export interface ProbeReport {
  readonly pid: number;
  readonly argv: readonly string[];
  /** Of tls, https, http2: those the process loaded. */
  readonly loaded: readonly string[];
}

/**
 * The environment that loads the probe into a server and every process it forks; each writes
 * its report into `dir` when it exits.
 * @example
 * ```ts
 * spawn(process.execPath, [cli], { env: { ...process.env, ...builtinsProbeEnv(dir) } });
 * ```
 */
export function builtinsProbeEnv(dir: string): NodeJS.ProcessEnv {
  const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
  return { NODE_OPTIONS: `${inherited}--import ${PROBE}`, PROBE_DIR: dir };
}

/** The reports the probe wrote into `dir`, one per process that has exited. */
export function probeReports(dir: string): ProbeReport[] {
  return readdirSync(dir)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => ({ pid: Number(f.slice(0, -5)), ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<ProbeReport, 'pid'>) }));
}

/**
 * Request fixtures as Gunicorn keeps them: `conformance/fixtures/{valid,invalid}/NNN.http` holds
 * the raw request, `NNN.json` what must happen. In `.http` files real line breaks are ignored
 * (they only make the file readable); bytes are written with escapes: `\r`, `\n`, `\t`, `\0`,
 * `\\` and `\xHH`. `{seen}` is replaced by a fresh id the probe records if the app is ever
 * called, `{port}` by the server's port.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The expectations of a valid fixture: the response status and what the app saw (a subset). */
export interface ValidExpectation {
  readonly title: string;
  /** The SPEC.md requirement tags the fixture checks. */
  readonly spec: readonly string[];
  /** Which server configuration to send it to (default `root`). */
  readonly server?: 'root' | 'restricted';
  readonly status: number;
  /**
   * A status the server MAY answer instead, without calling the app (the target carries
   * `seen={seen}`), where SPEC.md lets it refuse the request (a GET with content: 3.5.1).
   */
  readonly refusal?: number;
  /** Compared with the probe's /echo report: objects by the keys given, arrays and values exactly. */
  readonly saw?: Record<string, unknown>;
  /** Header fields of the client's response (lower-case names), compared exactly. */
  readonly responseHeaders?: Record<string, string>;
  /** False when the server must answer without calling the app (the target carries `seen={seen}`). */
  readonly appCalled?: false;
}

/** The expectations of an invalid fixture: one of these statuses, the app never called, the connection closed. */
export interface InvalidExpectation {
  readonly title: string;
  readonly spec: readonly string[];
  readonly server?: 'root' | 'restricted';
  /** Accepted statuses. */
  readonly status: readonly number[];
  /**
   * True for errors only visible after the header section (bad chunk framing): the app may
   * already be running; its body stream must error and the client still gets the status.
   */
  readonly appMayRun?: boolean;
}

export interface Fixture<E> {
  /** `valid/001` */
  readonly name: string;
  readonly raw: string;
  readonly expect: E;
}

/** The fixtures directory, the same relative place from src/ and from dist/. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../conformance/fixtures/', import.meta.url));

/**
 * Turns the readable `.http` text into the bytes to send (as a latin1 string).
 *
 * @example
 * ```ts
 * decodeHttpFixture('GET / HTTP/1.1\\r\\n\nHost: a\\r\\n\n\\r\\n\n'); // 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
 * ```
 */
export function decodeHttpFixture(text: string): string {
  return text.replace(/\r?\n/g, '').replace(/\\(x[0-9A-Fa-f]{2}|[rnt0\\])/g, (_m, code: string) => {
    switch (code) {
      case 'r':
        return '\r';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case '0':
        return '\0';
      case '\\':
        return '\\';
      default:
        return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    }
  });
}

function load<E>(kind: 'valid' | 'invalid'): Array<Fixture<E>> {
  const dir = join(FIXTURES_DIR, kind);
  const names = readdirSync(dir).filter((f) => f.endsWith('.http')).sort();
  return names.map((file) => {
    const base = file.slice(0, -'.http'.length);
    const raw = decodeHttpFixture(readFileSync(join(dir, file), 'latin1'));
    let expect: E;
    try {
      expect = JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8')) as E;
    } catch (error) {
      throw new Error(`conformance fixture ${kind}/${base}: cannot read ${base}.json next to ${file}: ${String(error)}`);
    }
    return { name: `${kind}/${base}`, raw, expect };
  });
}

/** Every valid fixture, sorted by name. */
export function validFixtures(): Array<Fixture<ValidExpectation>> {
  return load<ValidExpectation>('valid');
}

/** Every invalid fixture, sorted by name. */
export function invalidFixtures(): Array<Fixture<InvalidExpectation>> {
  return load<InvalidExpectation>('invalid');
}

/**
 * Compares `actual` with `expected`: objects by the expected keys only (recursively), arrays and
 * primitives exactly. Returns a list of differences (empty when it matches).
 */
export function matchSubset(actual: unknown, expected: unknown, path = 'saw'): string[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => matchSubset((actual as Record<string, unknown>)[key], value, `${path}.${key}`));
  }
  if (JSON.stringify(actual) === JSON.stringify(expected)) return [];
  return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

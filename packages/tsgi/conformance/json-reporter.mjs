/**
 * A node:test reporter that writes the kit's cases as one JSON document: what
 * runConformance (src/conformance/claim.ts) reads to build a conformance report. Plain
 * JavaScript: node loads a reporter before any `--import` hook (tsx) is in place. Given to `node --test` with
 * `--test-reporter=<this file> --test-reporter-destination=<file>`; it keeps every test that is
 * not a suite, with its status, skip or todo reason, error message and duration.
 * @module
 */

/**
 * One test as the reporter saw it (`ReportedTest` in claim.ts): `{ name, suites, status,
 * reason?, error?, durationMs }`, status one of pass, fail, skip, todo.
 */

/** @param {unknown} error */
function messageOf(error) {
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.slice(0, 2_000);
}

/** @param {{ type: string, data: { skip?: unknown, todo?: unknown } }} event */
function statusOf(event) {
  if (event.type === 'test:fail') return event.data.todo !== undefined && event.data.todo !== false ? 'todo' : 'fail';
  if (event.data.skip !== undefined && event.data.skip !== false) return 'skip';
  if (event.data.todo !== undefined && event.data.todo !== false) return 'todo';
  return 'pass';
}

/**
 * The reporter: node:test calls it with its event stream and writes what it yields.
 *
 * @example
 * ```sh
 * node --test --test-reporter=./json-reporter.js --test-reporter-destination=cases.json kit.test.js
 * ```
 */
export default async function* jsonReporter(source) {
  const tests = [];
  // Suites end after their children, so the open suites are tracked from test:start events.
  const open = [];
  for await (const event of source) {
    if (event.type === 'test:start') {
      open.length = event.data.nesting;
      open.push(event.data.name);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const details = event.data.details ?? {};
    if (details.type === 'suite') continue;
    const status = statusOf(event);
    const reason = status === 'skip' ? event.data.skip : status === 'todo' ? event.data.todo : undefined;
    tests.push({
      name: event.data.name,
      suites: open.slice(0, event.data.nesting),
      status,
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(status === 'fail' ? { error: messageOf(details.error) } : {}),
      durationMs: Math.round(details.duration_ms ?? 0),
    });
  }
  yield JSON.stringify({ tests }) + '\n';
}

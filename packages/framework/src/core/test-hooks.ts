/**
 * Markers the test client puts on its synthetic TSGI context (never set by a real server).
 * @module
 */

/** The context property marking test-client requests: `{ enforceCsrfChecks }`. */
export const TEST_CLIENT = Symbol.for('tsgi-framework.test-client');

/** What the test client says about itself on the context. */
export interface TestClientMarker {
  readonly enforceCsrfChecks: boolean;
}

/** The marker of a test-client request, or undefined for real requests. */
export function testClientMarker(context: object): TestClientMarker | undefined {
  return (context as Record<symbol, TestClientMarker | undefined>)[TEST_CLIENT];
}

/**
 * The kit cases third-party hosts fail under `toFetchHandler` (with `handler.checkContinue`
 * wired, as the README shows), each with what only the host can change. The harnesses pass
 * these as `knownFailures` (so each must really fail), and the README's conformance table prints
 * them as its notes. Test-only data.
 * @module
 */

/** srvx 1.x on node. */
export const SRVX_KNOWN_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  'S-ABORT-REASON':
    "the host aborts request.signal with a plain Error when the client leaves, not a DOMException named AbortError (SPEC 3.7.5), so an app cannot tell a disconnect from its own errors by the reason's name",
});

/** @hono/node-server 2.x. */
export const HONO_NODE_SERVER_KNOWN_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  'S-ABORT-REASON':
    "the host aborts request.signal with a string reason when the client leaves, not a DOMException named AbortError (SPEC 3.7.5), so an app cannot tell a disconnect from a timeout by the reason's name",
  'S-FIX valid/028':
    'the host answers 400 to a request target containing a backslash before calling the handler; tsgi reads `\\` as the URL standard does (a slash), so the path leaves the mount: 404',
});

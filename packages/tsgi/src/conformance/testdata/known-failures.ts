/**
 * The kit cases third-party hosts fail under `toFetchHandler`, each with what only the host can
 * change. The harnesses pass these as `knownFailures` (so each must really fail), and the README's
 * conformance table prints them as its notes. Test-only data.
 * @module
 */

/** node:http sends `100 Continue` itself unless the server has a `checkContinue` listener. */
const CONTINUE_NOREAD =
  'node:http answers `Expect: 100-continue` with 100 before the handler runs, because the host registers no `checkContinue` listener; the shim cannot take the 100 back';
const CONTINUE_LIMIT = 'the 100 Continue goes out before the shim sees the request (no `checkContinue` listener in the host), so the 413 can only follow it';

/** srvx 1.x on node. */
export const SRVX_KNOWN_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  'S-CONTINUE-NOREAD': CONTINUE_NOREAD,
  'S-LIMIT-CONTINUE': CONTINUE_LIMIT,
});

/** @hono/node-server 2.x. */
export const HONO_NODE_SERVER_KNOWN_FAILURES: Readonly<Record<string, string>> = Object.freeze({
  'S-FIX valid/028':
    'the host answers 400 to a request target containing a backslash before calling the handler; tsgi reads `\\` as the URL standard does (a slash), so the path leaves the mount: 404',
  'S-CONTINUE-NOREAD': CONTINUE_NOREAD,
  'S-LIMIT-CONTINUE': CONTINUE_LIMIT,
});

/**
 * The handler's public shapes: what the server calls and what `resolve` answers.
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** A request from node:http or from node:http2's compatibility API. */
export type StaticRequest = IncomingMessage | Http2ServerRequest;
/** A response from node:http or from node:http2's compatibility API. */
export type StaticResponse = ServerResponse | Http2ServerResponse;

/**
 * What a URL path maps to on disk, after decoding and every safety check.
 * - `file` / `directory`: exists and may be served (`path` is the absolute file system path).
 * - `not-found`: absent, a denied dotfile, or a symlink the policy refuses (answer 404).
 * - `bad-request`: the path is malformed (`%00`, invalid percent-encoding or UTF-8, an escape
 *   above the root, an encoded `/` or `\`): answer 400. `code` is a stable error code.
 */
export type ResolveResult =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number }
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'bad-request'; readonly code: string };

/** A 200 the handler's fast path would send: its flat header list and the file's bytes. */
export interface PlainAnswer {
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/**
 * Serves one request from the file system.
 *
 * Resolves to `true` when it has answered (200, 206, 301, 304, 400, 403, 405, 412, 416...), and to
 * `false` when the path names nothing servable (absent, denied dotfile, symlink out of the root):
 * nothing has been written, so the server may try its next `try_files` entry or answer 404.
 *
 * `pathname` is the URL path still percent-encoded, without the query (default: from `req.url`);
 * pass it for `try_files` entries and internal redirects.
 */
export interface StaticHandler {
  (req: StaticRequest, res: StaticResponse, pathname?: string): Promise<boolean>;
  /**
   * The answer of the fast path when it applies to this request right now (a fresh open-file
   * cache hit on a file held in memory; GET or HEAD; no conditional, Range or Accept-Encoding
   * to weigh), else undefined: nothing is read or written. For servers that write that answer
   * on another wire (node:http2's stream API) and call the handler for everything else. A 200
   * with `headers` (flat `[name, value, ...]`, the same the handler writes) and `body` (none for HEAD).
   */
  cached(pathname: string, headers: IncomingHttpHeaders, method: string): PlainAnswer | undefined;
  /**
   * Maps a percent-encoded URL path to the file system with the handler's options, answering
   * from its open-file cache (for `try_files`). A path naming a directory — with or without the
   * trailing slash, index file or not — answers `directory`.
   */
  resolve(pathname: string): Promise<ResolveResult>;
  /** Drops every cache and closes cached file descriptors. The handler stays usable. */
  close(): Promise<void>;
}

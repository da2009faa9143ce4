/**
 * Opt-in: let the lazy Request go where only a runtime-made Request is accepted.
 *
 * Why: `new Request(request, init)` and `fetch(request)` read the runtime's private state of
 * their Request argument (undici's internal slots), which a lazy object cannot have, so both
 * throw when given the request `toNodeListener` passes. `new Request(request.url, request)`
 * works without any patch. Apps (or frameworks) that need the first forms call this once; it
 * replaces `globalThis.Request` and `globalThis.fetch` with thin wrappers that hand the lazy
 * request's real Request to the runtime. Nothing is replaced unless this is called.
 * @module
 */
import { TsgiRequest } from './lazy-request.js';

const kPatched = Symbol.for('tsgi.requestPatch');

/**
 * Replaces `globalThis.Request` with a subclass whose constructor accepts the lazy request, and
 * `globalThis.fetch` with a wrapper that does the same. Idempotent. `instanceof Request` keeps
 * holding for every Request, native or lazy.
 *
 * @example
 * ```ts
 * import { installRequestPatch, serve } from 'tsgi';
 * installRequestPatch();
 * await serve((request) => fetch(new Request(request, { headers: { 'x-proxied': '1' } })));
 * ```
 */
export function installRequestPatch(): void {
  const current = globalThis.Request as typeof Request & { [kPatched]?: true };
  if (current[kPatched]) return;
  const NativeRequest = current;
  const nativeFetch = globalThis.fetch;
  const unwrap = (input: unknown): unknown => (input instanceof TsgiRequest ? TsgiRequest.realOf(input) : input);

  class PatchedRequest extends NativeRequest {
    static override readonly [kPatched] = true as const;
    static override [Symbol.hasInstance](value: unknown): boolean {
      // `x instanceof Request` stays true for native and lazy Requests; subclasses keep the
      // ordinary prototype check.
      if (this === PatchedRequest) return value instanceof NativeRequest;
      return Function.prototype[Symbol.hasInstance].call(this, value) as boolean;
    }
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(unwrap(input) as RequestInfo | URL, init);
    }
  }
  Object.defineProperty(PatchedRequest, 'name', { value: 'Request' });
  globalThis.Request = PatchedRequest as typeof Request;
  globalThis.fetch = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return nativeFetch(unwrap(input) as RequestInfo | URL, init);
  };
}

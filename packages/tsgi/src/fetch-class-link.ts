/**
 * Puts one of tsgi's classes under one of the runtime's fetch classes (Request, Response) when
 * that global is first read, not when tsgi is imported: `instanceof Response` holds for a
 * FastResponse and `instanceof Request` for the adapter's lazy request, and a process whose app
 * never needs node's fetch classes never loads them.
 *
 * Why: Node 20 builds Request, Response, Headers and FormData from its bundled undici the first
 * time one of those globals is read. Measured 2026-12-07 on Node 20.20: a script that reads one
 * global, then a full GC, 41.1 MB RSS reading nothing, 52.7 MB after reading `Response`; an idle
 * tsgi-appserver -w 1 worker serving bench/apps/framework-app.mjs (20 requests, 10 s idle, three
 * runs each) 65.9-70.0 MB with tsgi linking at import, 60.6-66.4 with this. An app that answers
 * FastResponses and reads request fields without `request.headers` (tsgi-framework's views
 * read them through the context) needs none of the classes.
 * Node 22 and 24 keep these globals as lazy data properties that load undici on any look, even
 * at the property's descriptor (Node 24.21: 43.7 MB, 59.4 after `getOwnPropertyDescriptor`),
 * so there the link is made at import as before: nothing is saved or lost.
 *
 * Nothing can ask `x instanceof Response` without reading the global `Response` first, so the
 * link is always in place before any answer depends on it.
 * @module
 */

type FetchClassName = 'Request' | 'Response';
type FetchClass = abstract new (...args: never[]) => object;

/**
 * Calls `link` with the runtime's own class `name` once, when the global is first read (or
 * assigned), or now if node already built it. Returns a function giving that class, building
 * it if it was not yet (for code that must construct the real thing). `target` is the global
 * object (another object only in tests).
 *
 * @example
 * ```ts
 * const nativeResponse = linkOnFirstRead('Response', (Native) => Object.setPrototypeOf(MyResponse.prototype, Native.prototype));
 * ```
 */
export function linkOnFirstRead<T extends FetchClass>(name: FetchClassName, link: (native: T) => void, target: object = globalThis): () => T {
  let native: T | undefined;
  const found = (value: T): T => {
    if (native === undefined && typeof value === 'function') {
      native = value;
      link(value);
    }
    return value;
  };
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor?.get === undefined || !descriptor.configurable) {
    // Already built, a lazy data property (Node 22+: built by the look above), or not ours to
    // wrap: link now.
    found((target as Record<string, unknown>)[name] as T);
    return () => native as T;
  }
  const lazyGet = descriptor.get;
  // node's getter loads undici and replaces itself with a data property holding the class; this
  // wrapper runs it once, puts back what node left (or node's own accessor, if it stayed), links.
  const load = (): T => {
    if (native !== undefined) return native;
    const value = lazyGet.call(target) as T;
    if (Object.getOwnPropertyDescriptor(target, name)?.get === wrapper.get) Object.defineProperty(target, name, descriptor);
    return found(value);
  };
  const wrapper: PropertyDescriptor = {
    configurable: true,
    enumerable: descriptor.enumerable ?? false,
    get: load,
    set(value: unknown) {
      // An assignment replaces the class: link to the runtime's own first, as a read would.
      load();
      (target as Record<string, unknown>)[name] = value;
    },
  };
  Object.defineProperty(target, name, wrapper);
  return () => native ?? load();
}

/**
 * A response's header fields: case-insensitive like fetch's `Headers`, but plain lists
 * underneath (no validation pass, no sorting), because middleware touches them on every request
 * and the result goes to the server as a flat list it writes as given.
 * @module
 */

/** Header field names (RFC 9110 section 5.1: a token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Valid names already seen -> lower case. Names (and most values) repeat on every response, so
 * checking and lower-casing them once turns the hot path into Map lookups. Both caches are bounded.
 * Measured 2026-12-06 (a response's headers as the default middleware set them: 6 sets, 2
 * lookups; cached and plain versions sampled alternately in one process, CPU time): 0.33-0.34 us
 * a response with both caches, 0.81-0.86 us without.
 */
const LOWER = new Map<string, string>();
/** Values already checked (Content-Type, nosniff, DENY...). */
const GOOD_VALUES = new Set<string>();

/** The map key of a header name, checking the name the first time it is seen. */
function checkedKey(name: string): string {
  let key = LOWER.get(name);
  if (key === undefined) {
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    key = name.toLowerCase();
    if (LOWER.size < 512) LOWER.set(name, key);
  }
  return key;
}

function lower(name: string): string {
  return LOWER.get(name) ?? name.toLowerCase();
}
/** Field values must not carry CR, LF or NUL (RFC 9110 section 5.5): header injection. */
const BAD_VALUE = /[\r\n\0]/;

/**
 * Case-insensitive response headers. `set-cookie` is kept apart by the response (see
 * `HttpResponseBase.setCookie`), every other name holds one value.
 *
 * @example
 * ```ts
 * response.headers.set('Cache-Control', 'no-store');
 * response.headers.get('cache-control'); // 'no-store'
 * ```
 */
export class ResponseHeaders implements Iterable<[string, string]> {
  // Two lists in step, in the order fields were first set: lower-case names, and [name, value].
  // A response holds a handful of fields, so a scan for the (cached, so identical) lower-case
  // name costs less than a Map's hashing and the rehash its fifth entry causes. Measured
  // 2026-12-07 (the bench's JSON view through getTsgiApplication().fetch(), default middleware:
  // five fields; lists and Map versions alternated in one process, CPU time, median of 26
  // batches of 50,000, four runs): 0.03-0.09 us a request saved; under callgrind 190-830 fewer
  // instructions a request (of ~18k).
  readonly #keys: string[] = [];
  readonly #entries: [string, string][] = [];

  constructor(init?: Record<string, string> | Iterable<readonly [string, string]> | Headers) {
    if (!init) return;
    // A record first: asking `instanceof Headers` reads the global, which on Node 20 builds node's
    // fetch classes (tsgi's fetch-class-link.ts), and a view's `{ headers: {...} }` needs none.
    if (!(Symbol.iterator in init)) {
      for (const k of Object.keys(init)) this.set(k, (init as Record<string, string>)[k] as string);
    } else if (init instanceof Headers) {
      for (const [k, v] of init) if (k !== 'set-cookie') this.set(k, v);
    } else {
      for (const [k, v] of init as Iterable<readonly [string, string]>) this.append(k, v);
    }
  }

  /** The value, or null (like `Headers.get`). */
  get(name: string): string | null {
    const i = this.#keys.indexOf(lower(name));
    return i === -1 ? null : (this.#entries[i] as [string, string])[1];
  }

  has(name: string): boolean {
    return this.#keys.includes(lower(name));
  }

  /** Sets (replaces) a field. Throws TypeError on an invalid name or a value with CR/LF/NUL. */
  set(name: string, value: string | number): this {
    return this.#set(checkedKey(name), name, value);
  }

  #set(key: string, name: string, value: string | number): this {
    const v = typeof value === 'string' ? value : String(value);
    if (!GOOD_VALUES.has(v)) {
      if (BAD_VALUE.test(v)) throw new TypeError(`Header ${name} has a value with CR, LF or NUL (header injection?)`);
      if (v.length < 128 && GOOD_VALUES.size < 1024) GOOD_VALUES.add(v);
    }
    const i = this.#keys.indexOf(key);
    if (i === -1) {
      this.#keys.push(key);
      this.#entries.push([name, v]);
    } else {
      this.#entries[i] = [name, v];
    }
    return this;
  }

  /** Appends to a field as a comma-separated list (RFC 9110 section 5.3). */
  append(name: string, value: string | number): this {
    const existing = this.get(name);
    return this.set(name, existing === null ? String(value) : `${existing}, ${value}`);
  }

  /** Sets the field only when absent (Django's `setdefault`). */
  setDefault(name: string, value: string | number): this {
    const key = checkedKey(name);
    return this.#keys.includes(key) ? this : this.#set(key, name, value);
  }

  /**
   * Sets each of `fields` that is absent, in order (what a middleware adds to every response:
   * Django's security headers). The fields were checked when {@link headerFields} built them and
   * their entries are shared by every response (an entry is replaced, never mutated). Measured
   * 2026-12-07 (bench/adapter-cpu.mjs framework: the bench's JSON view behind the default
   * middleware, SecurityMiddleware and XFrameOptionsMiddleware calling this or `setDefault` once
   * a field, both builds alternated in one process, medians of 11-21 rounds, three runs):
   * 3.66 -> 3.58, 3.56 -> 3.45, 3.83 -> 3.78 us a request; the four fields alone on a fresh
   * response 117 -> 70 ns, and no entry arrays left to collect.
   */
  setDefaults(fields: HeaderFields): this {
    const { keys, entries } = fields;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (this.#keys.includes(key)) continue;
      this.#keys.push(key);
      this.#entries.push(entries[i] as [string, string]);
    }
    return this;
  }

  delete(name: string): boolean {
    const i = this.#keys.indexOf(lower(name));
    if (i === -1) return false;
    this.#keys.splice(i, 1);
    this.#entries.splice(i, 1);
    return true;
  }

  get size(): number {
    return this.#keys.length;
  }

  /** `[name, value]` pairs, names as first set. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const entry of this.#entries) yield [entry[0], entry[1]];
  }

  /** Pushes `[name, value]` pairs onto `out` (the server-bound list). */
  pushTo(out: [string, string][]): void {
    // The entries themselves: `set` replaces an entry, never mutates one, so sharing is safe.
    for (const entry of this.#entries) out.push(entry);
  }
}

/** Header fields checked once, for {@link ResponseHeaders.setDefaults}. */
export interface HeaderFields {
  /** Lower-case names. */
  readonly keys: readonly string[];
  /** `[name, value]` as given, in step with `keys`. */
  readonly entries: readonly (readonly [string, string])[];
}

/**
 * Checks `fields` (names and values, as `set` does) once, for every response's
 * {@link ResponseHeaders.setDefaults}.
 *
 * @example
 * ```ts
 * const security = headerFields([['X-Content-Type-Options', 'nosniff']]);
 * response.headers.setDefaults(security); // unless the view set it
 * ```
 */
export function headerFields(fields: readonly (readonly [string, string])[]): HeaderFields {
  const checked = new ResponseHeaders();
  for (const [name, value] of fields) checked.set(name, value);
  // Not frozen: every other entry is a plain array, and a frozen one would make the readers of
  // the list polymorphic. Nothing mutates an entry.
  const entries = [...checked];
  return Object.freeze({ keys: Object.freeze(entries.map(([name]) => checkedKey(name))), entries: Object.freeze(entries) });
}

/**
 * Adds names to the `Vary` header without duplicates (Django's `patch_vary_headers`); `*` wins.
 *
 * @example
 * ```ts
 * patchVaryHeaders(response.headers, ['Cookie']); // Vary: Cookie
 * ```
 */
export function patchVaryHeaders(headers: ResponseHeaders, names: readonly string[]): void {
  const current = headers.get('Vary');
  const list = current ? current.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (list.includes('*')) return;
  const lower = new Set(list.map((s) => s.toLowerCase()));
  for (const name of names) {
    if (!lower.has(name.toLowerCase())) {
      list.push(name);
      lower.add(name.toLowerCase());
    }
  }
  headers.set('Vary', list.includes('*') ? '*' : list.join(', '));
}

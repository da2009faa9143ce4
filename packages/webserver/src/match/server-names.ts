/**
 * Choosing the server block for a request, by Host (or `:authority`) among the servers that
 * share the socket, in nginx's order (https://nginx.org/en/docs/http/server_names.html): the
 * exact name, then the longest wildcard starting with `*`, then the longest wildcard ending with
 * `*`, then the first matching regex in file order, then the socket's default server.
 * @module
 */

/** A compiled name table for one socket. */
export class ServerNameTable<S> {
  readonly #exact = new Map<string, S>();
  readonly #leading: Array<{ suffix: string; server: S }> = [];
  readonly #trailing: Array<{ prefix: string; server: S }> = [];
  readonly #regex: Array<{ re: RegExp; server: S }> = [];
  readonly defaultServer: S;
  /**
   * True when one server has the socket: every Host goes to it, with no name to normalise or
   * look up (find() was 0.9% of the static 1 KiB row's CPU profile; see bench/README.md).
   */
  readonly #single: boolean;

  /**
   * @param servers the servers on this socket, in file order, with their names
   * @param defaultServer the one flagged `default_server`, else the first
   * @example
   * ```ts
   * const t = new ServerNameTable([{ server: a, names: ['example.com', '*.example.com'] }], a);
   * t.find('WWW.Example.com:443'); // a
   * ```
   */
  constructor(servers: ReadonlyArray<{ server: S; names: readonly string[] }>, defaultServer: S) {
    this.defaultServer = defaultServer;
    this.#single = servers.length === 1 && servers[0]!.server === defaultServer;
    for (const { server, names } of servers) {
      for (const raw of names) {
        const name = raw.toLowerCase();
        if (name.startsWith('~')) this.#regex.push({ re: new RegExp(raw.slice(1), 'i'), server });
        else if (name.startsWith('*.')) this.#leading.push({ suffix: name.slice(1), server });
        else if (name.startsWith('.')) {
          // `.example.com` is `example.com` plus `*.example.com`.
          if (!this.#exact.has(name.slice(1))) this.#exact.set(name.slice(1), server);
          this.#leading.push({ suffix: name, server });
        } else if (name.endsWith('.*')) this.#trailing.push({ prefix: name.slice(0, -1), server });
        else if (name !== '_' && name !== '' && !this.#exact.has(name)) this.#exact.set(name, server);
      }
    }
    this.#leading.sort((a, b) => b.suffix.length - a.suffix.length);
    this.#trailing.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The server for a Host header value (port and trailing dot ignored, case-insensitive). */
  find(hostHeader: string | undefined): S {
    if (!hostHeader || this.#single) return this.defaultServer;
    const host = normalizeHost(hostHeader);
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const w of this.#leading) if (host.endsWith(w.suffix) && host.length > w.suffix.length) return w.server;
    for (const w of this.#trailing) if (host.startsWith(w.prefix) && host.length > w.prefix.length) return w.server;
    for (const r of this.#regex) if (r.re.test(host)) return r.server;
    return this.defaultServer;
  }
}

/** `Example.COM.:8080` -> `example.com`; `[::1]:443` -> `[::1]`. */
export function normalizeHost(value: string): string {
  let host = value;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

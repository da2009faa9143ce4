/**
 * nginx variables in `return`, `add_header` and `try_files`: `$scheme`, `$host`, `$request_uri`,
 * `$uri`, `$args`/`$query_string`, `$is_args`, `$server_port`, `$server_name`, `$remote_addr`,
 * `$request_method`, `$pid` (the worker's process id), `$http_NAME`. Unknown variables stay as written.
 * @module
 */

/** What the variables are computed from. */
export interface VariableSource {
  readonly scheme: string;
  /** Host header without port, else the server's first name, else the listen address. */
  readonly host: string;
  /** The original request target (path and query), as received. */
  readonly requestUri: string;
  /** The normalized (decoded) path. */
  readonly uri: string;
  /** The query string without `?` ('' when none). */
  readonly args: string;
  readonly serverPort: number;
  readonly serverName: string;
  readonly remoteAddr: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Expands `$name` and `${name}` in a template.
 * @example expand('https://$host$request_uri', src) // 'https://example.com/a?b=1'
 */
export function expand(template: string, src: VariableSource): string {
  if (!template.includes('$')) return template;
  return template.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const v = variable(name, src);
    return v === undefined ? whole : v;
  });
}

function variable(name: string, s: VariableSource): string | undefined {
  switch (name) {
    case 'scheme': return s.scheme;
    case 'host': return s.host;
    case 'request_uri': return s.requestUri;
    case 'uri': case 'document_uri': return s.uri;
    case 'args': case 'query_string': return s.args;
    case 'is_args': return s.args === '' ? '' : '?';
    case 'server_port': return String(s.serverPort);
    case 'server_name': return s.serverName;
    case 'remote_addr': return s.remoteAddr;
    case 'request_method': return s.method;
    case 'pid': return String(process.pid);
    default:
      if (name.startsWith('http_')) {
        const v = s.headers[name.slice(5).replace(/_/g, '-').toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : (v ?? '');
      }
      return undefined;
  }
}

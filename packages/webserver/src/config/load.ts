/**
 * Reads, parses and validates a config file into a {@link Config}. Every mistake becomes a
 * {@link ConfigError} naming file, line and key, and saying what is allowed.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { ConfigError, ValueError, closest } from './errors.js';
import { parseListen } from './listen.js';
import { Block, settingsFor } from './settings.js';
import type { Scope } from './settings.js';
import { SourceLines } from './source-lines.js';
import { staplingTarget } from '../server/ocsp-stapling.js';
import { TICKET_KEY_BYTES } from '../server/session-tickets.js';
import type { Config, Limits, ListenConfig, LocationConfig, LocationMatch, ReturnConfig, ServerConfig, SslConfig } from './types.js';
import { parseProxyPass, parseUpstreamServer, resolveProxyTarget } from './upstream.js';
import type { HealthCheckOptions, ProxyPassOptions, UpstreamOptions } from '../proxy/options.js';
import type { StaticOptions } from '../static/options.js';

const SCOPE_TITLES: Record<Scope, string> = { main: 'the top level', server: '[[server]]', location: '[[server.location]]', upstream: '[[upstream]]', health_check: 'health_check' };
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Reads and validates a config file.
 * @example
 * ```ts
 * const config = await loadConfig('/etc/tsgi-webserver.toml');
 * config.servers[0].listen[0].key; // '0.0.0.0:80'
 * ```
 */
export async function loadConfig(file: string): Promise<Config> {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new ConfigError('WS_CONFIG_READ', abs, undefined, undefined, `cannot read the config file: ${(e as Error).message}`);
  }
  return loadConfigText(text, abs);
}

/** Validates config text; `file` names it in errors. Certificate files are checked for readability. */
export async function loadConfigText(text: string, file: string): Promise<Config> {
  const config = parseConfigText(text, file);
  const lines = new SourceLines(text);
  for (const s of config.servers) {
    if (!s.tls) continue;
    const line = lines.lineOf(`server[${s.index}].ssl_certificate`) ?? s.line;
    const pem: Buffer[] = [];
    for (const [key, p] of [['ssl_certificate', s.tls.certFile], ['ssl_certificate_key', s.tls.keyFile]] as const) {
      try {
        pem.push(await readFile(p));
      } catch (e) {
        throw new ConfigError('WS_CONFIG_READ', file, line, key, `cannot read ${p}: ${(e as Error).message}`);
      }
    }
    // As nginx -t does: load the pair, so a key that does not match its certificate fails here.
    try {
      // node:tls only for a config with certificates (a plain-HTTP process does not load it: server/responses.ts).
      process.getBuiltinModule('node:tls').createSecureContext({ cert: pem[0], key: pem[1] });
    } catch (e) {
      throw new ConfigError('WS_CONFIG_BAD_VALUE', file, line, 'ssl_certificate', `cannot load ${s.tls.certFile} with key ${s.tls.keyFile}: ${(e as Error).message}`);
    }
  }
  const warnings = await checkTlsFiles(config, lines, file);
  return warnings.length === 0 ? config : { ...config, warnings: [...config.warnings, ...warnings] };
}

/**
 * As nginx -t does: the ticket key files are 48 bytes and the stapling files readable, each error
 * on the line of its key; stapling that cannot work (no issuer, no responder) is a warning.
 */
async function checkTlsFiles(config: Config, lines: SourceLines, file: string): Promise<string[]> {
  const warnings: string[] = [];
  if (!config.servers.some((s) => s.tls)) return warnings;
  for (const keyFile of config.ssl.ticketKeyFiles) {
    const line = lines.lineOf('ssl_session_ticket_key');
    let bytes: Buffer;
    try {
      bytes = await readFile(keyFile);
    } catch (e) {
      throw new ConfigError('WS_CONFIG_READ', file, line, 'ssl_session_ticket_key', `cannot read ${keyFile}: ${(e as Error).message}`);
    }
    if (bytes.length !== TICKET_KEY_BYTES) {
      throw new ConfigError('WS_CONFIG_BAD_VALUE', file, line, 'ssl_session_ticket_key', `${keyFile} holds ${bytes.length} bytes; a ticket key is ${TICKET_KEY_BYTES} (make one with: openssl rand ${TICKET_KEY_BYTES} > ${keyFile})${bytes.length === 80 ? '; 80-byte (AES-256) keys are not supported' : ''}`);
    }
  }
  for (const s of config.servers) {
    const st = s.tls?.stapling;
    if (!st) continue;
    for (const [key, p] of [['ssl_stapling_file', st.file], ['ssl_trusted_certificate', st.trustedFile]] as const) {
      if (p === undefined) continue;
      const line = lines.lineOf(`server[${s.index}].${key}`) ?? lines.lineOf(key) ?? s.line;
      try {
        await readFile(p);
      } catch (e) {
        throw new ConfigError('WS_CONFIG_READ', file, line, key, `cannot read ${p}: ${(e as Error).message}`);
      }
    }
    if (st.file !== undefined) continue;
    const target = staplingTarget(await readFile(s.tls!.certFile), st.trustedFile === undefined ? undefined : await readFile(st.trustedFile));
    if ('reason' in target) {
      // The server's own ssl_stapling line, else the top level's (lineOf falls back to the block's line).
      const own = lines.lineOf(`server[${s.index}].ssl_stapling`);
      const line = own !== s.line ? own : (lines.lineOf('ssl_stapling') ?? s.line);
      warnings.push(`${file}:${line ?? '?'}: "ssl_stapling" ignored for ${s.tls!.certFile}: ${target.reason}`);
    }
  }
  return warnings;
}

/** Parses and validates config text without touching the file system. */
export function parseConfigText(text: string, file: string): Config {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError('WS_CONFIG_SYNTAX', file, e.line, undefined, `TOML syntax error: ${first} (column ${e.column})\n${e.codeblock}`);
    }
    throw e;
  }
  return new Validator(text, file).run(doc);
}

class Validator {
  readonly #lines: SourceLines;
  readonly #file: string;
  readonly #warnings: string[] = [];

  constructor(text: string, file: string) {
    this.#lines = new SourceLines(text);
    this.#file = file;
  }

  fail(code: ConfigError['code'], path: string, key: string | undefined, message: string): never {
    throw new ConfigError(code, this.#file, this.#lines.lineOf(path), key, message);
  }

  /**
   * Checks every key of a table against its scope and parses the values; `blocks` are nested
   * tables read separately, `parents` the blocks this one inherits from.
   */
  values<S extends Scope>(table: Record<string, unknown>, scope: S, path: string, blocks: readonly string[] = [], parents: ReadonlyArray<{ readonly own: ReadonlyMap<string, unknown> }> = []): Block<S> {
    const allowed = settingsFor(scope);
    const out = new Map<string, unknown>();
    for (const [key, value] of Object.entries(table)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (blocks.includes(key)) continue;
      const setting = allowed.get(key);
      if (!setting) {
        const names = [...allowed.keys(), ...blocks];
        const hint = closest(key, names);
        this.fail('WS_CONFIG_UNKNOWN_KEY', keyPath, key, `unknown key in ${SCOPE_TITLES[scope]}${hint ? `; did you mean "${hint}"?` : ''} Allowed here: ${names.join(', ')}`);
      }
      try {
        out.set(key, setting.parse(value));
      } catch (e) {
        if (e instanceof ValueError) this.fail('WS_CONFIG_BAD_VALUE', keyPath, key, `${e.message} (${setting.type})`);
        throw e;
      }
    }
    return new Block(scope, out, parents);
  }

  tables(value: unknown, path: string, key: string, title: string): Array<Record<string, unknown>> {
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const t of list) {
      if (typeof t !== 'object' || t === null || Array.isArray(t)) this.fail('WS_CONFIG_BAD_VALUE', path, key, `expected ${title} tables`);
    }
    return list as Array<Record<string, unknown>>;
  }

  run(doc: Record<string, unknown>): Config {
    const main = this.values(doc, 'main', '', ['server', 'upstream']);
    const upstreams = new Map<string, UpstreamOptions>();
    this.tables(doc.upstream, 'upstream', 'upstream', '[[upstream]]').forEach((t, i) => {
      const up = this.upstream(t, `upstream[${i}]`);
      if (upstreams.has(up.name)) this.fail('WS_CONFIG_CONFLICT', `upstream[${i}].name`, 'name', `duplicate upstream "${up.name}"`);
      upstreams.set(up.name, up);
    });
    const implicit = new Map<string, UpstreamOptions>();
    const serverTables = this.tables(doc.server, 'server', 'server', '[[server]]');
    if (serverTables.length === 0) this.fail('WS_CONFIG_MISSING', '', 'server', 'no [[server]] block: add at least one, e.g.\n[[server]]\nlisten = "8080"\nroot = "/srv/www"');
    const servers = serverTables.map((t, i) => this.server(t, i, main, upstreams, implicit));
    this.checkSockets(servers);

    const hb = main.get('large_client_header_buffers');
    const limits: Limits = {
      maxConnections: main.get('max_connections'),
      headerBufferSize: hb.size,
      headerBuffersTotal: hb.count * hb.size,
      headerTimeoutMs: main.get('client_header_timeout'),
      bodyTimeoutMs: main.get('client_body_timeout'),
      sendTimeoutMs: main.get('send_timeout'),
      keepaliveTimeoutMs: main.get('keepalive_timeout'),
      keepaliveRequests: main.get('keepalive_requests'),
      http2MaxConcurrentStreams: main.get('http2_max_concurrent_streams'),
      lingering: { close: main.get('lingering_close'), timeMs: main.get('lingering_time'), timeoutMs: main.get('lingering_timeout') },
    };
    const ssl: SslConfig = {
      protocols: main.get('ssl_protocols'),
      ciphers: main.get('ssl_ciphers'),
      preferServerCiphers: main.get('ssl_prefer_server_ciphers'),
      sessionTickets: main.get('ssl_session_tickets'),
      sessionTimeoutMs: main.get('ssl_session_timeout'),
      ticketKeyFiles: (main.get('ssl_session_ticket_key') ?? []).map((f) => resolvePath(f)),
    };
    const workers = main.get('workers');
    const pid = main.get('pid');
    return {
      file: this.#file,
      workers: workers === 'auto' ? availableParallelism() : workers,
      masterProcess: main.get('master_process'),
      ...(pid === undefined ? {} : { pid: resolvePath(pid) }),
      errorLog: main.get('error_log'),
      errorLogLevel: main.get('error_log_level'),
      accessLog: main.get('access_log'),
      accessLogFormat: main.get('access_log_format'),
      shutdownTimeoutMs: main.get('worker_shutdown_timeout'),
      releaseMemoryAfterMs: main.get('worker_release_memory_after'),
      serverTokens: main.get('server_tokens'),
      limits,
      ssl,
      servers,
      upstreams,
      warnings: this.#warnings,
    };
  }

  upstream(t: Record<string, unknown>, path: string): UpstreamOptions {
    const v = this.values(t, 'upstream', path);
    const name = v.get('name');
    if (name === undefined) this.fail('WS_CONFIG_MISSING', path, 'name', 'an [[upstream]] needs name = "..." (proxy_pass = "http://NAME" refers to it)');
    const entries = v.get('server');
    if (!entries) this.fail('WS_CONFIG_MISSING', path, 'server', 'an [[upstream]] needs server = ["host:port", ...]');
    const servers = entries.map((e) => {
      try {
        return parseUpstreamServer(e);
      } catch (err) {
        if (err instanceof ValueError) this.fail('WS_CONFIG_BAD_VALUE', `${path}.server`, 'server', err.message);
        throw err;
      }
    });
    if (servers.every((s) => s.backup || s.down)) this.fail('WS_CONFIG_BAD_VALUE', `${path}.server`, 'server', 'at least one server must be neither backup nor down');
    const balance = v.get('balance');
    const hashKey = v.get('hash_key');
    if (balance === 'hash' && hashKey === undefined) this.fail('WS_CONFIG_MISSING', `${path}.balance`, 'hash_key', 'balance = "hash" needs hash_key, e.g. "$request_uri"');
    if (balance !== 'hash' && hashKey !== undefined) this.fail('WS_CONFIG_CONFLICT', `${path}.hash_key`, 'hash_key', 'hash_key is used only with balance = "hash"');
    if ((balance === 'hash' || balance === 'ip_hash') && servers.some((s) => s.backup)) {
      this.fail('WS_CONFIG_CONFLICT', `${path}.server`, 'server', `backup servers cannot be used with balance = "${balance}" (as in nginx)`);
    }
    let healthCheck: HealthCheckOptions | undefined;
    const hc = v.get('health_check');
    if (hc) {
      const h = this.values(hc, 'health_check', `${path}.health_check`);
      healthCheck = {
        intervalMs: h.get('interval'),
        timeoutMs: h.get('timeout'),
        path: h.get('path'),
        expectStatus: h.get('expect_status'),
        rise: h.get('rise'),
        fall: h.get('fall'),
        ...(h.get('host') === undefined ? {} : { host: h.get('host') }),
      };
    }
    return {
      name,
      servers,
      balance,
      ...(hashKey === undefined ? {} : { hashKey }),
      keepalive: v.get('keepalive'),
      keepaliveTimeoutMs: v.get('keepalive_timeout'),
      ...(healthCheck ? { healthCheck } : {}),
    };
  }

  server(t: Record<string, unknown>, i: number, main: Block<'main'>, upstreams: ReadonlyMap<string, UpstreamOptions>, implicit: Map<string, UpstreamOptions>): ServerConfig {
    const path = `server[${i}]`;
    const v = this.values(t, 'server', path, ['location'], [main]);
    const listen: ListenConfig[] = v.get('listen').map((text) => {
      try {
        return parseListen(text);
      } catch (e) {
        if (e instanceof ValueError) this.fail('WS_CONFIG_BAD_VALUE', `${path}.listen`, 'listen', e.message);
        throw e;
      }
    });
    const names = v.get('server_name') ?? [];
    for (const n of names) {
      if (n.startsWith('~')) {
        try {
          new RegExp(n.slice(1), 'i');
        } catch (e) {
          this.fail('WS_CONFIG_BAD_VALUE', `${path}.server_name`, 'server_name', `bad regex ${JSON.stringify(n)}: ${(e as Error).message}`);
        }
      } else if (n !== '_' && !/^(\*\.|\.)?[A-Za-z0-9_.-]*(\.\*)?$/.test(n)) {
        this.fail('WS_CONFIG_BAD_VALUE', `${path}.server_name`, 'server_name', `${JSON.stringify(n)} is not a host name, "*.example.com", "example.*", ".example.com", "~regex" or "_"`);
      }
    }
    let tls: ServerConfig['tls'];
    const cert = v.get('ssl_certificate');
    const key = v.get('ssl_certificate_key');
    if (listen.some((l) => l.ssl)) {
      if (cert === undefined || key === undefined) {
        this.fail('WS_CONFIG_MISSING', `${path}.listen`, cert === undefined ? 'ssl_certificate' : 'ssl_certificate_key', 'a server with an ssl listener needs ssl_certificate and ssl_certificate_key (PEM files)');
      }
      const stapling = v.get('ssl_stapling');
      const staplingFile = v.get('ssl_stapling_file');
      const trusted = v.get('ssl_trusted_certificate');
      tls = {
        certFile: resolvePath(cert),
        keyFile: resolvePath(key),
        ...(stapling ? { stapling: { verify: v.get('ssl_stapling_verify'), ...(staplingFile === undefined ? {} : { file: resolvePath(staplingFile) }), ...(trusted === undefined ? {} : { trustedFile: resolvePath(trusted) }) } } : {}),
      };
    } else if (cert !== undefined || key !== undefined) {
      this.#warnings.push(`${this.#file}:${this.#lines.lineOf(`${path}.ssl_certificate`) ?? '?'}: ssl_certificate is set but no listen entry of this server has the ssl flag`);
    }
    const chain = [v, main];
    const seen = new Set<string>();
    const locations = this.tables(t.location, `${path}.location`, 'location', '[[server.location]]').map((lt, j) => {
      const lpath = `${path}.location[${j}]`;
      const loc = this.location(this.values(lt, 'location', lpath, [], chain), lpath, upstreams, implicit);
      if (seen.has(`${loc.match} ${loc.path}`)) this.fail('WS_CONFIG_CONFLICT', `${lpath}.path`, 'path', `duplicate location "${loc.name}"`);
      seen.add(`${loc.match} ${loc.path}`);
      return loc;
    });
    const fallback = this.location(new Block('location', new Map([['path', '/']]), chain), path, upstreams, implicit, true);
    return { index: i, line: this.#lines.lineOf(path), listen, names, ...(tls ? { tls } : {}), locations, fallback };
  }

  /** `v` inherits from its server, the server from the top level, then the table's defaults (see Block). */
  location(v: Block<'location'>, path: string, upstreams: ReadonlyMap<string, UpstreamOptions>, implicit: Map<string, UpstreamOptions>, isFallback = false): LocationConfig {
    const spec = v.get('path');
    if (spec === undefined) this.fail('WS_CONFIG_MISSING', path, 'path', 'a location needs path = "/prefix/" (or "= /exact", "^~ /prefix/", "~ regex", "~* regex")');
    const m = /^(=|\^~|~\*|~)\s*(.*)$/.exec(spec);
    const modifier = m ? m[1]! : '';
    const target = (m ? m[2]! : spec).trim();
    let match: LocationMatch = 'prefix';
    let regex: RegExp | undefined;
    if (modifier === '=') match = 'exact';
    else if (modifier === '^~') match = 'prefix-stop';
    else if (modifier === '~' || modifier === '~*') {
      match = 'regex';
      try {
        regex = new RegExp(target, modifier === '~*' ? 'i' : '');
      } catch (e) {
        this.fail('WS_CONFIG_BAD_VALUE', `${path}.path`, 'path', `bad regex ${JSON.stringify(target)}: ${(e as Error).message}`);
      }
    }
    if (match !== 'regex' && !target.startsWith('/')) this.fail('WS_CONFIG_BAD_VALUE', `${path}.path`, 'path', `${JSON.stringify(spec)}: a prefix or exact location starts with "/"`);

    const root = v.get('root');
    const alias = v.get('alias');
    if (alias !== undefined && v.has('root')) this.fail('WS_CONFIG_CONFLICT', `${path}.alias`, 'alias', 'give either root or alias, not both');
    if (alias !== undefined && match === 'regex') this.fail('WS_CONFIG_CONFLICT', `${path}.alias`, 'alias', 'alias is not supported in regex locations; use root');
    for (const [k, p] of [['root', alias === undefined ? root : undefined], ['alias', alias]] as const) {
      if (p !== undefined && !p.startsWith('/')) this.fail('WS_CONFIG_BAD_VALUE', `${path}.${k}`, k, `${JSON.stringify(p)}: must be an absolute path`);
    }

    let ret: ReturnConfig | undefined;
    const rv = v.get('return');
    if (rv !== undefined) ret = this.parseReturn(rv, `${path}.return`);

    let proxy: ProxyPassOptions | undefined;
    const pp = v.get('proxy_pass');
    if (pp !== undefined) {
      try {
        const { target: t, uri } = parseProxyPass(pp);
        if (uri !== undefined && match === 'regex') throw new ValueError('proxy_pass cannot have a URI part in a regex location (as in nginx)');
        proxy = {
          upstream: resolveProxyTarget(t, upstreams, implicit),
          ...(uri === undefined ? {} : { uri }),
          setHeaders: Object.fromEntries(v.get('proxy_set_header') ?? []),
          connectTimeoutMs: v.get('proxy_connect_timeout'),
          readTimeoutMs: v.get('proxy_read_timeout'),
          sendTimeoutMs: v.get('proxy_send_timeout'),
          requestBuffering: v.get('proxy_request_buffering'),
          buffering: v.get('proxy_buffering'),
          bufferSize: v.get('proxy_buffer_size'),
          maxTempFileSize: v.get('proxy_max_temp_file_size'),
          // The contract wants every field filled: spilled bodies go to the OS temp dir unless told.
          tempPath: resolvePath(v.get('proxy_temp_path') ?? tmpdir()),
          nextUpstreamTries: v.get('proxy_next_upstream_tries'),
          retryNonIdempotent: v.get('proxy_next_upstream_non_idempotent'),
          websocket: v.get('proxy_websocket'),
          trustedProxies: v.get('proxy_trusted_proxies'),
          earlyHints: v.get('early_hints'),
          passTrailers: v.get('proxy_pass_trailers'),
        };
      } catch (e) {
        if (e instanceof ValueError) this.fail('WS_CONFIG_BAD_VALUE', `${path}.proxy_pass`, 'proxy_pass', e.message);
        throw e;
      }
    }
    const tryFiles = v.get('try_files');
    if (tryFiles !== undefined && proxy) this.fail('WS_CONFIG_CONFLICT', `${path}.try_files`, 'try_files', 'try_files and proxy_pass in one location: let the last try_files entry be a URI that a proxy_pass location matches');
    if (tryFiles !== undefined && tryFiles.length < 2 && !isFallback) {
      this.fail('WS_CONFIG_BAD_VALUE', `${path}.try_files`, 'try_files', 'needs at least two entries, the last a fallback: ["$uri", "$uri/", "=404"] or ["$uri", "/index.html"]');
    }
    if (tryFiles !== undefined) {
      const last = tryFiles[tryFiles.length - 1]!;
      if (last.startsWith('=') && !/^=[1-5]\d\d$/.test(last)) this.fail('WS_CONFIG_BAD_VALUE', `${path}.try_files`, 'try_files', `the fallback ${JSON.stringify(last)} must be =CODE (=404) or a URI (/index.html)`);
      if (!last.startsWith('=') && !last.startsWith('/') && !last.startsWith('$')) this.fail('WS_CONFIG_BAD_VALUE', `${path}.try_files`, 'try_files', `the fallback ${JSON.stringify(last)} must be =CODE or a URI starting with "/"`);
    }

    let staticOptions: StaticOptions | undefined;
    const files = alias !== undefined ? { alias, aliasPrefix: target } : root !== undefined ? { root } : undefined;
    if (files) {
      const index = v.get('index');
      if (v.has('index')) {
        for (const n of index) {
          if (n.includes('/') || n === '.' || n === '..') this.fail('WS_CONFIG_BAD_VALUE', `${path}.index`, 'index', `${JSON.stringify(n)}: index entries are plain file names`);
        }
      }
      const cacheControl = v.get('cache_control');
      const encodings: Array<'br' | 'gzip'> = [...(v.get('brotli') ? ['br' as const] : []), ...(v.get('gzip') ? ['gzip' as const] : [])];
      staticOptions = {
        ...files,
        index,
        autoindex: v.get('autoindex'),
        dotfiles: v.get('dotfiles'),
        symlinks: v.get('symlinks'),
        expires: v.get('expires'),
        ...(cacheControl === undefined ? {} : { cacheControl }),
        immutable: v.get('immutable'),
        precompressed: v.get('precompressed'),
        ...(encodings.length ? { compress: { encodings, minLength: v.get('gzip_min_length') } } : {}),
        etag: v.get('etag'),
        charset: v.get('charset'),
        maxRanges: v.get('max_ranges'),
        // Every key has a default in the settings table, so the cache options are always complete.
        openFileCache: {
          max: v.get('open_file_cache'),
          validMs: v.get('open_file_cache_valid'),
          memoryMaxFileSize: v.get('open_file_cache_memory_file_max'),
          hotMaxFileSize: v.get('open_file_cache_hot_file_max'),
        },
      };
    }
    const status = v.get('status');
    return {
      name: isFallback ? '(server)' : spec,
      match,
      path: target,
      ...(regex ? { regex } : {}),
      line: this.#lines.lineOf(path),
      ...(tryFiles ? { tryFiles } : {}),
      addHeader: v.get('add_header') ?? [],
      addHeaderAlways: v.get('add_header_always') ?? [],
      ...(ret ? { return: ret } : {}),
      ...(staticOptions ? { static: staticOptions } : {}),
      ...(proxy ? { proxy } : {}),
      ...(status ? { status } : {}),
      clientMaxBodySize: v.get('client_max_body_size'),
    };
  }

  parseReturn(value: number | string, path: string): ReturnConfig {
    if (typeof value === 'number') return { status: value };
    const m = /^(\d{3})(?:\s+([\s\S]*))?$/.exec(value);
    if (!m) {
      // nginx: `return URL` alone is a 302.
      if (/^(https?:\/\/|\$scheme)/.test(value)) return { status: 302, url: value };
      this.fail('WS_CONFIG_BAD_VALUE', path, 'return', `expected "CODE", "CODE URL" or "CODE text" (e.g. "301 https://$host$request_uri"), got ${JSON.stringify(value)}`);
    }
    const status = Number(m[1]);
    if (status < 100 || status > 599) this.fail('WS_CONFIG_BAD_VALUE', path, 'return', `status ${status} is not 100-599`);
    const rest = m[2];
    if (rest === undefined || rest === '') {
      if (REDIRECTS.has(status)) this.fail('WS_CONFIG_BAD_VALUE', path, 'return', `a ${status} redirect needs a URL: "${status} https://$host$request_uri"`);
      return { status };
    }
    return REDIRECTS.has(status) ? { status, url: rest } : { status, text: rest };
  }

  /** Servers sharing a socket must agree on its TLS; names are warned about when two servers claim one. */
  checkSockets(servers: readonly ServerConfig[]): void {
    const byKey = new Map<string, Array<{ server: ServerConfig; listen: ListenConfig }>>();
    for (const s of servers) {
      for (const l of s.listen) {
        const list = byKey.get(l.key) ?? [];
        list.push({ server: s, listen: l });
        byKey.set(l.key, list);
      }
    }
    for (const [key, list] of byKey) {
      const ssl = list[0]!.listen.ssl;
      for (const { server, listen } of list) {
        if (listen.ssl !== ssl) this.fail('WS_CONFIG_CONFLICT', `server[${server.index}].listen`, 'listen', `${key} is listed with ssl in one server and without it in another; a socket is either TLS or not`);
      }
      const defaults = list.filter((x) => x.listen.defaultServer);
      if (defaults.length > 1) this.fail('WS_CONFIG_CONFLICT', `server[${defaults[1]!.server.index}].listen`, 'listen', `a duplicate default_server for ${key} (the first is server #${defaults[0]!.server.index + 1})`);
      const names = new Map<string, number>();
      for (const { server } of list) {
        for (const n of server.names) {
          const lower = n.toLowerCase();
          if (names.has(lower) && names.get(lower) !== server.index) {
            this.#warnings.push(`${this.#file}:${server.line ?? '?'}: conflicting server name "${n}" on ${key}, ignored`);
          } else names.set(lower, server.index);
        }
      }
    }
  }
}

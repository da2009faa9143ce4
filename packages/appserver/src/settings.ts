/**
 * Every setting of tsgi-appserver, declared once as data (Gunicorn's config.py idea): its config
 * key, command-line flags, kind (parser and validator), default, one-line help and section.
 * `--help`, `--print-config`, config-file validation, the `AppserverConfig` type and the
 * README's option list are all generated from this table; nothing else lists settings.
 * @module
 */
import { isIP } from 'node:net';
import { compileAccessFormat } from './access-log.js';
import { parseBind } from './bind-address.js';
import {
  bool,
  bytes,
  hook,
  int,
  list,
  octal,
  oneOf,
  optionalString,
  seconds,
  string,
  type SettingKind,
} from './setting-kinds.js';
import type { MasterHooks, WorkerHooks } from './hooks.js';

/** The sections settings are grouped in, in display order. */
export const SECTIONS = ['Config', 'Application', 'Server socket', 'Worker processes', 'Limits', 'Proxies', 'TLS', 'Logging', 'Development', 'Server hooks'] as const;

/** A section of the option list. */
export type SettingSection = (typeof SECTIONS)[number];

/** One declared setting. */
export interface SettingSpec<T> {
  /** Command-line flags, long last (`['-b', '--bind']`); empty for the positional APP and config-only settings. */
  readonly flags: readonly string[];
  /** Placeholder shown in help: `ADDRESS`, `INT`. */
  readonly meta?: string;
  readonly kind: SettingKind<T>;
  readonly default: NoInfer<T>;
  /** How the default is shown when it is computed (e.g. from the environment). */
  readonly defaultText?: string;
  /** One sentence: what it does. */
  readonly help: string;
  readonly section: SettingSection;
  /** Not allowed in a config file (the options that choose or act on the config itself). */
  readonly cliOnly?: boolean;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

function ipOrCidr(item: string): string | undefined {
  if (item === '*') return undefined;
  const slash = item.indexOf('/');
  const ip = slash < 0 ? item : item.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return 'expected an IP address, a CIDR such as 10.0.0.0/8, or *';
  if (slash >= 0) {
    const bits = item.slice(slash + 1);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `the prefix length must be 0 to ${max}`;
  }
  return undefined;
}

function mountPath(value: string): string | undefined {
  if (value === '') return undefined;
  if (!value.startsWith('/')) return 'a path starting with / (e.g. /api), or "" for the root';
  if (value.endsWith('/')) return 'a path without a trailing slash (e.g. /api)';
  if (/[?#\s]/.test(value)) return 'a path without ?, # or spaces';
  return undefined;
}

function formatProblem(format: string): string | undefined {
  try {
    compileAccessFormat(format);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function appSpec(value: string): string | undefined {
  if (value === '') return 'an app such as path/to/app.ts:application';
  return undefined;
}

function nonEmpty(value: string): string | undefined {
  return value === '' ? 'a path' : undefined;
}

/** The loopback network, as SPEC 3.2.1 recommends for trusted proxies: a front on this host. */
const LOOPBACK = ['127.0.0.0/8', '::1'];
const MAX_SECONDS = 86_400;

function defaultWorkers(): number {
  // WEB_CONCURRENCY is the convention Heroku-style platforms use to size worker pools (Gunicorn honours it too).
  const env = process.env.WEB_CONCURRENCY;
  return env !== undefined && /^\d+$/.test(env) && Number(env) >= 1 && Number(env) <= 1024 ? Number(env) : 1;
}

/** Gunicorn's default access log format (Apache combined, without the bytes' "-" difference). */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

/**
 * The settings table. Keys are the config-file keys (camelCase); flags are Gunicorn's where one
 * exists. Order here is the order of `--help`, `--print-config` and the docs within a section.
 */
export const SETTINGS = {
  config: setting<string | null>({
    flags: ['-c', '--config'],
    meta: 'FILE',
    kind: optionalString('a path to a config file (.ts, .mts, .js, .mjs)'),
    default: null,
    defaultText: 'tsgi.config.ts when present',
    help: 'Config file written with defineConfig(); loaded through tsx, so TypeScript needs no build step.',
    section: 'Config',
    cliOnly: true,
  }),
  checkConfig: setting({
    flags: ['--check-config'],
    kind: bool(),
    default: false,
    help: 'Load the config and import the app (without binding or running its startup), then exit: 0 when both are fine.',
    section: 'Config',
    cliOnly: true,
  }),
  printConfig: setting({
    flags: ['--print-config'],
    kind: bool(),
    default: false,
    help: 'Print every effective setting and exit.',
    section: 'Config',
    cliOnly: true,
  }),
  app: setting<string | null>({
    flags: [],
    meta: 'APP',
    kind: optionalString('an app such as path/to/app.ts:application', appSpec),
    default: null,
    help: 'The app to serve, as the positional argument: path/to/file.ts[:attribute] (.ts, .mts, .js, .mjs; attribute defaults to `application`, then the default export).',
    section: 'Application',
  }),
  interface: setting({
    flags: ['--interface'],
    meta: 'NAME',
    kind: oneOf(['auto', 'tsgi', 'node']),
    default: 'auto',
    help: 'How to call the app: tsgi (a fetch function or an object with fetch), node (a (req, res) listener such as Express or connect, a Koa app, or a Fastify instance), or auto to detect it and say why at startup.',
    section: 'Application',
  }),
  mount: setting({
    flags: ['--mount'],
    meta: 'PREFIX',
    kind: string('a path such as /api, or "" for the root', mountPath),
    default: '',
    help: 'Serve the app under this path prefix (WSGI\'s SCRIPT_NAME): requests outside it get 404; the app sees it as context.mountPath.',
    section: 'Application',
  }),
  preload: setting({
    flags: ['--preload'],
    kind: bool(),
    default: false,
    help: 'Import the app in the master before the sockets are bound and the workers start (Gunicorn\'s preload_app): an import error stops the server at once, and module-level code runs in the master first. Workers still import the app themselves (Node has no fork(): no memory is shared), and HUP (or a --reload change) reloads the settings and restarts the workers but does not re-import the app in the master.',
    section: 'Application',
  }),
  bind: setting({
    flags: ['-b', '--bind'],
    meta: 'ADDRESS',
    kind: list('HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N', (s) => {
      const parsed = parseBind(s);
      return typeof parsed === 'string' ? parsed : undefined;
    }, false),
    default: ['127.0.0.1:8000'],
    help: 'A socket to listen on, repeatable: HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N. Sockets passed by systemd (LISTEN_FDS) are used instead when present.',
    section: 'Server socket',
  }),
  backlog: setting({
    flags: ['--backlog'],
    meta: 'INT',
    kind: int(1, 65535),
    default: 2048,
    help: 'The most pending connections queued per socket by the kernel, and in the master while every worker is busy.',
    section: 'Server socket',
  }),
  umask: setting<number | null>({
    flags: ['-m', '--umask'],
    meta: 'MODE',
    kind: octal(0o777),
    default: 0,
    help: 'The umask applied while creating unix sockets. The default 000 (Gunicorn\'s) creates them srwxrwxrwx, so a front end running as another user (nginx\'s www-data) can connect; the permissions of the socket\'s directory then decide who reaches it. 007 allows only the owner and group.',
    section: 'Server socket',
  }),
  workers: setting({
    flags: ['-w', '--workers'],
    meta: 'INT',
    kind: int(1, 1024),
    default: defaultWorkers(),
    defaultText: '$WEB_CONCURRENCY or 1',
    help: 'How many worker processes serve requests; each loads the app and runs its startup hook.',
    section: 'Worker processes',
  }),
  gracefulTimeout: setting({
    flags: ['--graceful-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 30,
    help: 'How long a stopping worker (SIGTERM/SIGINT/SIGQUIT, a reload, TTOU, recycling) may finish in-flight requests and run shutdown before it is killed.',
    section: 'Worker processes',
  }),
  timeout: setting({
    flags: ['-t', '--timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 30,
    help: 'Liveness, not a request timeout: a worker whose event loop sends no heartbeat for this long is killed (SIGKILL) and replaced, logged as WORKER TIMEOUT with the request it was running; this also ends a worker stuck in a graceful stop (0 = never). See --request-timeout.',
    section: 'Worker processes',
  }),
  maxRequests: setting({
    flags: ['--max-requests'],
    meta: 'INT',
    kind: int(0, 2 ** 31 - 1),
    default: 0,
    help: 'Recycle a worker after it has started this many requests: its replacement starts, and once that one accepts connections the old one stops gracefully (0 = never).',
    section: 'Worker processes',
  }),
  maxRequestsJitter: setting({
    flags: ['--max-requests-jitter'],
    meta: 'INT',
    kind: int(0, 2 ** 31 - 1),
    default: 0,
    help: 'Add a random 0 to INT to each worker\'s --max-requests, so the workers do not all recycle at once.',
    section: 'Worker processes',
  }),
  maxWorkerMemory: setting({
    flags: ['--max-worker-memory'],
    meta: 'SIZE',
    kind: bytes(2 ** 50),
    default: 0,
    help: 'Recycle a worker whose resident memory (RSS) exceeds this (k, m, g suffixes), checked every 100 ms, the same way as --max-requests; the log gives the figure (0 = no limit).',
    section: 'Worker processes',
  }),
  releaseMemoryAfter: setting({
    flags: ['--release-memory-after'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 8,
    help: 'A worker that has started no request for this long, and has none in flight, runs a full garbage collection (and up to two more, 100 ms apart, while they keep giving memory back), so the heap V8 grew under load goes back to the system (after a load a worker can hold 30-40 MB more than when it started); a request arriving during one waits for it, 10-55 ms measured (0 = never).',
    section: 'Worker processes',
  }),
  pidfile: setting<string | null>({
    flags: ['-p', '--pid'],
    meta: 'FILE',
    kind: optionalString('a file path'),
    default: null,
    help: 'Write the master process id to this file (removed on exit).',
    section: 'Worker processes',
  }),
  keepAlive: setting({
    flags: ['--keep-alive'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 5,
    help: 'How long an idle keep-alive connection stays open; keep it above the idle timeout of a proxy in front (0 closes after each response).',
    section: 'Limits',
  }),
  limitRequestLine: setting({
    flags: ['--limit-request-line'],
    meta: 'BYTES',
    kind: int(0, 65536),
    default: 8190,
    help: 'Longest request line (method, target, version) accepted; beyond it: 414 URI Too Long (0 = up to the header limit).',
    section: 'Limits',
  }),
  limitRequestFields: setting({
    flags: ['--limit-request-fields'],
    meta: 'INT',
    kind: int(1, 32768),
    default: 100,
    help: 'Most header fields accepted in a request; beyond it: 431 Request Header Fields Too Large.',
    section: 'Limits',
  }),
  limitRequestFieldSize: setting({
    flags: ['--limit-request-field-size'],
    meta: 'BYTES',
    kind: int(0, 65536),
    default: 8190,
    help: 'Largest header field (name and value) accepted; beyond it: 431 Request Header Fields Too Large (0 = up to the header limit).',
    section: 'Limits',
  }),
  limitRequestBody: setting({
    flags: ['--limit-request-body'],
    meta: 'BYTES',
    kind: bytes(2 ** 50),
    default: 100 * 1024 * 1024,
    help: 'Largest request body accepted (k, m, g suffixes); beyond it: 413 Content Too Large, before the app runs when Content-Length says so (0 = no limit).',
    section: 'Limits',
  }),
  lingeringClose: setting({
    flags: ['--lingering-close'],
    meta: 'on|off',
    kind: oneOf(['on', 'off']),
    default: 'on',
    help: 'After an answer that leaves a request body unread (an early 403, a 413), close the connection only once the client stops sending, reading and discarding the rest, as nginx does; off closes at once, and nginx or Apache in front may then answer 502.',
    section: 'Limits',
  }),
  lingeringTime: setting({
    flags: ['--lingering-time'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 30,
    help: 'The longest a lingering close reads and discards in all (nginx lingering_time).',
    section: 'Limits',
  }),
  lingeringTimeout: setting({
    flags: ['--lingering-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 5,
    help: 'A lingering close ends after this long without a byte from the client (nginx lingering_timeout).',
    section: 'Limits',
  }),
  headerTimeout: setting({
    flags: ['--header-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 60,
    help: 'Time allowed to receive a request\'s complete header section; beyond it: 408 Request Timeout and close (slowloris protection).',
    section: 'Limits',
  }),
  bodyTimeout: setting({
    flags: ['--body-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 60,
    help: 'Longest silence while a request body is being received; beyond it: 408 Request Timeout (0 = none).',
    section: 'Limits',
  }),
  requestTimeout: setting({
    flags: ['--request-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 0,
    help: 'Longest wait for a response head: past it the client gets 504 Gateway Timeout, a TSGI app\'s request.signal aborts and the worker lives on (0 = off). Not --timeout, which is liveness.',
    section: 'Limits',
  }),
  websocketMaxMessage: setting({
    flags: ['--websocket-max-message'],
    meta: 'BYTES',
    kind: bytes(2 ** 31 - 1),
    default: 1024 * 1024,
    help: 'Largest WebSocket message a TSGI app accepts (k, m suffixes); beyond it the server closes with 1009 Message Too Big (0 = no limit).',
    section: 'Limits',
  }),
  websocketPingInterval: setting({
    flags: ['--websocket-ping-interval'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 20,
    help: 'The server pings a WebSocket client it has heard nothing from for this long (0 = never).',
    section: 'Limits',
  }),
  websocketIdleTimeout: setting({
    flags: ['--websocket-idle-timeout'],
    meta: 'SECONDS',
    kind: seconds(MAX_SECONDS),
    default: 60,
    help: 'A WebSocket client that sent nothing, not even a pong, for this long is dropped (0 = never). --request-timeout never ends an open WebSocket: for it the request is over at the 101.',
    section: 'Limits',
  }),
  websocketMaxBuffered: setting({
    flags: ['--websocket-max-buffered'],
    meta: 'BYTES',
    kind: bytes(2 ** 50),
    default: 16 * 1024 * 1024,
    help: 'Bytes a TSGI app may leave queued to a slow WebSocket client; beyond it the connection is dropped (0 = no limit).',
    section: 'Limits',
  }),
  forwardedAllowIps: setting({
    flags: ['--forwarded-allow-ips'],
    meta: 'IPS',
    kind: list('IP addresses or CIDRs, or *', ipOrCidr, true, true),
    default: LOOPBACK,
    help: 'Peers trusted to set X-Forwarded-For/-Proto/-Host, Forwarded and X-Request-Id (comma-separated IPs or CIDRs; * trusts everyone; "" no one); other peers\' headers are ignored (their X-Request-Id replaced by a new id). A unix socket\'s peer, a local process, is trusted unless this is "".',
    section: 'Proxies',
  }),
  proxyProtocol: setting({
    flags: ['--proxy-protocol'],
    kind: bool(),
    default: false,
    help: 'Expect a PROXY protocol header (v1 or v2, as HAProxy and cloud load balancers send) at the start of each connection from --proxy-allow-from peers; it sets the client address.',
    section: 'Proxies',
  }),
  proxyAllowFrom: setting({
    flags: ['--proxy-allow-from'],
    meta: 'IPS',
    kind: list('IP addresses or CIDRs, or *', ipOrCidr, true, true),
    default: LOOPBACK,
    help: 'Peers allowed to send a PROXY protocol header (comma-separated IPs or CIDRs, or *); connections from others are served without one.',
    section: 'Proxies',
  }),
  certfile: setting<string | null>({
    flags: ['--certfile'],
    meta: 'FILE',
    kind: optionalString('a path to a PEM certificate (chain)'),
    default: null,
    help: 'TLS certificate (PEM, chain allowed): serve HTTPS on every TCP bind. Needs --keyfile.',
    section: 'TLS',
  }),
  keyfile: setting<string | null>({
    flags: ['--keyfile'],
    meta: 'FILE',
    kind: optionalString('a path to a PEM private key'),
    default: null,
    help: 'TLS private key (PEM) for --certfile.',
    section: 'TLS',
  }),
  accessLogfile: setting<string | null>({
    flags: ['--access-logfile'],
    meta: 'FILE',
    kind: optionalString('a file path, or - for stdout'),
    default: null,
    defaultText: 'none',
    help: 'Write an access log line per request to this file (- = stdout).',
    section: 'Logging',
  }),
  accessLogformat: setting({
    flags: ['--access-logformat'],
    meta: 'FORMAT',
    kind: string('a format with Gunicorn atoms such as %(h)s', formatProblem),
    default: DEFAULT_ACCESS_LOG_FORMAT,
    help: 'Access log format with Gunicorn\'s atoms: h l u t r m U q H s b B f a T M D L p, plus w (worker id), {header}i ({x-request-id}i is the request id), {header}o, {VAR}e.',
    section: 'Logging',
  }),
  accessLogJson: setting({
    flags: ['--access-log-json'],
    kind: bool(),
    default: false,
    help: 'Write access log lines as JSON objects (one per line, with request_id) instead of --access-logformat.',
    section: 'Logging',
  }),
  errorLogfile: setting({
    flags: ['--error-logfile', '--log-file'],
    meta: 'FILE',
    kind: string('a file path, or - for stderr'),
    default: '-',
    help: 'Where the error log goes (- = stderr): server events and what apps write to context.log.',
    section: 'Logging',
  }),
  logLevel: setting({
    flags: ['--log-level'],
    meta: 'LEVEL',
    kind: oneOf(['debug', 'info', 'warning', 'error', 'critical'], { warn: 'warning' }),
    default: 'info',
    help: 'The least severe error log messages written: debug, info, warning, error or critical.',
    section: 'Logging',
  }),
  metricsBind: setting({
    flags: ['--metrics-bind'],
    meta: 'ADDRESS',
    kind: optionalString('HOST:PORT, [IPV6]:PORT or unix:PATH', (s) => {
      const parsed = parseBind(s);
      if (typeof parsed === 'string') return parsed;
      return parsed.kind === 'fd' ? 'fd://N is not supported here; give HOST:PORT or unix:PATH' : undefined;
    }),
    default: null,
    defaultText: 'off',
    help: 'Serve Prometheus metrics from the master at this address (GET /metrics): requests, responses by status class, in flight, latency, RSS, per worker and in total, and worker restarts by reason. Workers report once a second; the master does no per-request work. Keep it on a private address.',
    section: 'Logging',
  }),
  reload: setting({
    flags: ['--reload'],
    kind: bool(),
    default: false,
    help: 'For development: watch the app\'s files (the app module and the files it imports, found as esbuild resolves them; not node_modules) and replace the workers when one changes, as HUP does. A change that breaks the app (a syntax or import error) keeps the old workers serving and logs the error.',
    section: 'Development',
  }),
  reloadExtraFiles: setting({
    flags: ['--reload-extra-file'],
    meta: 'FILE',
    kind: list('a file or directory path', nonEmpty, false, true),
    default: [],
    defaultText: 'none',
    help: 'With --reload, also watch this file, or the files directly in this directory (templates, data the app reads at start); repeatable.',
    section: 'Development',
  }),
  onStarting: setting<MasterHooks['onStarting'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master before the sockets are bound, as onStarting(server); awaited.',
    section: 'Server hooks',
  }),
  onReload: setting<MasterHooks['onReload'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master on HUP (or --reload) once the settings are read again, as onReload(server); awaited.',
    section: 'Server hooks',
  }),
  whenReady: setting<MasterHooks['whenReady'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master once every worker has started and is accepting connections, as whenReady(server).',
    section: 'Server hooks',
  }),
  preFork: setting<MasterHooks['preFork'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master just before a worker process starts, as preFork(server, worker) (worker.pid is 0).',
    section: 'Server hooks',
  }),
  postFork: setting<WorkerHooks['postFork'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in a new worker before it loads the app, as postFork(server, worker); the worker imports the config file for it.',
    section: 'Server hooks',
  }),
  postWorkerInit: setting<WorkerHooks['postWorkerInit'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in a worker once the app is loaded and started, before it accepts, as postWorkerInit(worker).',
    section: 'Server hooks',
  }),
  workerInt: setting<WorkerHooks['workerInt'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in a worker that got INT or QUIT, as workerInt(worker).',
    section: 'Server hooks',
  }),
  workerAbort: setting<MasterHooks['workerAbort'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master before it kills a worker silent for --timeout (a blocked event loop runs no code), as workerAbort(server, worker).',
    section: 'Server hooks',
  }),
  preRequest: setting<WorkerHooks['preRequest'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the worker before the app sees each request, as preRequest(worker, req); costs a call per request only when set.',
    section: 'Server hooks',
  }),
  postRequest: setting<WorkerHooks['postRequest'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the worker when each response is over (finished or the client left), as postRequest(worker, req, res).',
    section: 'Server hooks',
  }),
  childExit: setting<MasterHooks['childExit'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master after a worker process exited, as childExit(server, worker).',
    section: 'Server hooks',
  }),
  workerExit: setting<WorkerHooks['workerExit'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in a worker just before it exits after a graceful stop, as workerExit(server, worker).',
    section: 'Server hooks',
  }),
  nworkersChanged: setting<MasterHooks['nworkersChanged'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master when the number of workers changes (TTIN, TTOU, HUP), as nworkersChanged(server, newValue, oldValue).',
    section: 'Server hooks',
  }),
  preExec: setting<MasterHooks['preExec'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master before it executes a new master (USR2), as preExec(server).',
    section: 'Server hooks',
  }),
  onExit: setting<MasterHooks['onExit'] | null>({
    flags: [],
    kind: hook(),
    default: null,
    help: 'Called in the master just before it exits, as onExit(server); awaited.',
    section: 'Server hooks',
  }),
} as const;

/** The name of a setting: its config-file key. */
export type SettingName = keyof typeof SETTINGS;

/** The effective value of every setting (what the server runs with). */
export type AppserverSettings = {
  -readonly [K in SettingName]: (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;
};

/** What a config file may set: any setting except the command-line-only ones, all optional. */
export type AppserverConfig = {
  [K in SettingName as (typeof SETTINGS)[K] extends { cliOnly: true } ? never : K]?: AppserverSettings[K];
};

/** The settings in table order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The declaration of one setting (untyped view for generic code). */
export function settingSpec(name: SettingName): SettingSpec<unknown> {
  return SETTINGS[name] as SettingSpec<unknown>;
}

/** Every default, as a fresh object. */
export function defaultSettings(): AppserverSettings {
  const out: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const value = SETTINGS[name].default;
    out[name] = Array.isArray(value) ? [...value] : value;
  }
  return out as AppserverSettings;
}

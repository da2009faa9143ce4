// The rows of `npm run bench`, as data: each names its group, its anchor and the processes it runs.
// Apps live in bench/apps/. tsgi rows run the BUILT packages (dist/), as users do.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { handshakeRows } from './handshake-rows.mjs';
import { tlsRows } from './tls-rows.mjs';
import { idleRows } from './idle-rows.mjs';
import { appserverBin, apps, built, gunicorn, needs, nginx, webserverBin } from './parts.mjs';


const RAW = 'raw node:http';
const NGINX_1K = 'nginx static 1 KiB';
const NGINX_1M = 'nginx static 1 MiB';
const NGINX_PROXY = 'nginx proxy (keepalive upstream)';
const RAW_FILE = "raw node:http 1 KiB with a file server's headers";
const CEILING = 'raw node:http + new Response() (construction ceiling)';
const FASTIFY_JSON = 'Fastify JSON route';
const WS_BARE = 'ws echo (bare ws on node:http)';
const HONO_WS = '@hono/node-server echo (its upgradeWebSocket)';


/** A node process serving `app` on the row's main port. */
const nodeApp = (app, env = {}) => (ctx) => [
  { cmd: ctx.node, args: [join(apps, app)], env: { PORT: String(ctx.ports.main), ...env }, ready: ready(ctx) },
];
const ready = (ctx, path = '/', port = ctx.ports.main) => ({ url: `http://127.0.0.1:${port}${path}` });

/** tsgi-appserver serving `target` (file:attribute) with `workers`. */
const appserver = (target, workers, cores) => (ctx) => [
  {
    cmd: ctx.node,
    args: [appserverBin, '-b', `127.0.0.1:${ctx.ports.main}`, '-w', String(workers), target],
    cores,
    ready: ready(ctx, readyPath(target)),
  },
];
const readyPath = (target) => (target.includes('framework') ? '/api/hello/world/' : '/');

const files = (ctx) => {
  const dir = join(ctx.dir, 'www');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '1k.bin'), randomBytes(1024));
  writeFileSync(join(dir, '1m.bin'), randomBytes(1024 * 1024));
  ctx.www = dir;
};

/** An nginx.conf: one worker, no access log; `master` keeps the master process (as production runs it). */
const nginxConf = (ctx, body, { master = false } = {}) => {
  const conf = join(ctx.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process ${master ? 'on' : 'off'};\nworker_processes 1;\npid ${ctx.dir}/nginx.pid;\nerror_log ${ctx.dir}/error.log;\n` +
      `events { worker_connections 4096; }\nhttp {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n` +
      `  client_body_temp_path ${ctx.dir}; proxy_temp_path ${ctx.dir}; fastcgi_temp_path ${ctx.dir}; uwsgi_temp_path ${ctx.dir}; scgi_temp_path ${ctx.dir};\n${body}\n}\n`,
  );
  return conf;
};
/**
 * A tsgi-webserver config set as `nginxConf` sets nginx: no access log, keepalive_requests 100000
 * (both servers' default is 1000); one process unless `workers` is given (then a master and that
 * many workers, as nginxConf's `master`). At 1000 wrk's 50 connections each reconnect every 1000
 * requests, which nginx's rows never do. Measured against the quick forms (bench:compare, four
 * rounds, 2026-12-07): req/s the same within the VM's noise; the proxy row's p99 0.86-0.94 of
 * before in every pair; the static 1 KiB row's p99 the same (median pair 1.04).
 */
const webserverConf = (ctx, body, { workers } = {}) => {
  const conf = join(ctx.dir, 'tsgi-webserver.toml');
  const processes = workers === undefined ? 'master_process = false' : `workers = ${workers}\npid = ${JSON.stringify(join(ctx.dir, 'tsgi-webserver.pid'))}`;
  writeFileSync(
    conf,
    `${processes}\naccess_log = "off"\nerror_log = ${JSON.stringify(join(ctx.dir, 'error.log'))}\nkeepalive_requests = 100000\n\n${body}`,
  );
  return conf;
};
/** The `[[server]]` block of a webserverConf: one listener, then its locations' TOML. */
const webserverSite = (ctx, locations) => `[[server]]\nlisten = ["127.0.0.1:${ctx.ports.main}"]\n\n${locations}`;
/** A webserverConf's body proxying every request to 127.0.0.1:`port` (keepalive 32, as nginxConf's upstream block). */
const webserverProxy = (ctx, port) =>
  `[[upstream]]\nname = "app"\nserver = ["127.0.0.1:${port}"]\nkeepalive = 32\n\n` + webserverSite(ctx, '  [[server.location]]\n  path = "/"\n  proxy_pass = "http://app"\n');

const nginxProcess = (ctx, conf, path, extra = {}) => ({ cmd: nginx, args: ['-c', conf, '-p', ctx.dir, '-e', `${ctx.dir}/error.log`], ready: ready(ctx, path), ...extra });

// Issue 17's targets: the 1 KiB file at raw node:http hello world's pace with a p99 within 2x
// nginx's; 1 MiB at 1.5x nginx.
const ISSUE_17_STATIC = {
  '1k': [{ vs: RAW, min: 0.9 }, { vs: NGINX_1K, p99Max: 2 }],
  '1m': [{ vs: NGINX_1M, min: 1.5 }],
};

const staticRows = (size, label) => [
  {
    group: 'static',
    name: `nginx static ${label}`,
    path: `/${size}.bin`,
    metric: 'bytes',
    available: needs(nginx, 'nginx'),
    setup: files,
    processes: (ctx) => [
      nginxProcess(ctx, nginxConf(ctx, `  server { listen 127.0.0.1:${ctx.ports.main}; root ${ctx.www}; }`), `/${size}.bin`),
    ],
  },
  {
    group: 'static',
    name: `tsgi-webserver file-server ${label}`,
    anchor: `nginx static ${label}`,
    also: size === '1k' ? [`sirv ${label}`, RAW, RAW_FILE] : [`sirv ${label}`],
    targets: ISSUE_17_STATIC[size],
    path: `/${size}.bin`,
    metric: 'bytes',
    available: built('webserver', 'cli.js'),
    setup: files,
    processes: (ctx) => [
      {
        cmd: ctx.node,
        args: [webserverBin, '-c', webserverConf(ctx, webserverSite(ctx, `  [[server.location]]\n  path = "/"\n  root = ${JSON.stringify(ctx.www)}\n`))],
        ready: ready(ctx, `/${size}.bin`),
      },
    ],
  },
  {
    group: 'static',
    name: `sirv ${label}`,
    anchor: `nginx static ${label}`,
    path: `/${size}.bin`,
    metric: 'bytes',
    setup: files,
    processes: (ctx) => [
      { cmd: ctx.node, args: [join(apps, 'sirv.mjs')], env: { PORT: String(ctx.ports.main), ROOT: ctx.www }, ready: ready(ctx, `/${size}.bin`) },
    ],
  },
];

/** Proxy rows: the upstream and the proxy share core 1; load on core 0 (as the issue's anchor was measured). */
const upstream = (ctx) => ({
  cmd: ctx.node,
  args: [join(apps, 'raw-node.mjs')],
  env: { PORT: String(ctx.ports.upstream) },
  ready: ready(ctx, '/', ctx.ports.upstream),
});

// 6. The chain: web server -> app server (2 workers) -> framework, as production runs it, against
// the Python stack it replaces. Every process unpinned (both cores), each front with a master and
// one worker, each app server with a master and 2 workers; the fronts add the same forwarding
// headers and keep upstream connections alive (Gunicorn's sync workers close theirs anyway).
const CHAIN_DJANGO = 'nginx -> Gunicorn 2 sync workers -> Django';
const CHAIN_NGINX_TSGI = 'nginx -> tsgi-appserver -w 2 -> tsgi-framework';
const CHAIN_TSGI = 'tsgi-webserver -> tsgi-appserver -w 2 -> tsgi-framework';
const CHAIN_WORKERS = 2;
const CHAIN_CASES = [
  { label: 'hello world', path: '/' },
  { label: 'JSON view', path: '/api/hello/world/' },
];

/** The forwarding headers tsgi-webserver always adds, asked of nginx too, so both fronts do the same work. */
const NGINX_FORWARDING =
  'proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; ' +
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; ' +
  'proxy_set_header X-Forwarded-Host $host; proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Request-Id $request_id; ' +
  'proxy_set_header Forwarded "for=$remote_addr;host=\\"$http_host\\";proto=$scheme";';

const chainNginx = (ctx, path) =>
  nginxProcess(
    ctx,
    nginxConf(
      ctx,
      `  upstream app { server 127.0.0.1:${ctx.ports.app}; keepalive 32; }\n` +
        `  server { listen 127.0.0.1:${ctx.ports.main}; location / { proxy_pass http://app; ${NGINX_FORWARDING} } }`,
      { master: true },
    ),
    path,
    { cores: '', kind: 'nginx' },
  );

const chainWebserver = (ctx, path) => {
  const conf = webserverConf(ctx, webserverProxy(ctx, ctx.ports.app), { workers: 1 });
  return { cmd: ctx.node, args: [webserverBin, '-c', conf], cores: '', kind: 'tsgi-webserver', ready: ready(ctx, path) };
};

const chainAppserver = (ctx, path) => ({
  cmd: ctx.node,
  // --keep-alive above the fronts' upstream idle timeout (60 s), as the deployment recipes set it.
  args: [appserverBin, '-b', `127.0.0.1:${ctx.ports.app}`, '-w', String(CHAIN_WORKERS), '--forwarded-allow-ips', '127.0.0.1', '--keep-alive', '75', `${join(apps, 'framework-app.mjs')}:application`],
  cores: '',
  kind: 'tsgi-appserver',
  ready: ready(ctx, path, ctx.ports.app),
});

const chainGunicorn = (ctx, path) => ({
  cmd: gunicorn,
  args: ['-w', String(CHAIN_WORKERS), '-k', 'sync', '-b', `127.0.0.1:${ctx.ports.app}`, '--chdir', join(apps, 'django'), '--log-level', 'warning', 'benchsite.wsgi:application'],
  cores: '',
  kind: 'gunicorn',
  ready: ready(ctx, path, ctx.ports.app),
});

const chainRows = ({ label, path }) => {
  const name = (chain) => `${chain}, ${label}`;
  const base = { group: 'chain', path, ports: ['main', 'app'], note: 'every process unpinned (both cores); wrk on core 0' };
  const tsgiBuilt = () => built('framework')() ?? built('appserver', 'cli.js')();
  return [
    {
      ...base,
      name: name(CHAIN_DJANGO),
      available: () => needs(nginx, 'nginx')() ?? needs(gunicorn, 'gunicorn')(),
      processes: (ctx) => [chainGunicorn(ctx, path), chainNginx(ctx, path)],
    },
    {
      ...base,
      name: name(CHAIN_NGINX_TSGI),
      anchor: name(CHAIN_DJANGO),
      available: () => needs(nginx, 'nginx')() ?? tsgiBuilt(),
      processes: (ctx) => [chainAppserver(ctx, path), chainNginx(ctx, path)],
    },
    {
      ...base,
      name: name(CHAIN_TSGI),
      anchor: name(CHAIN_DJANGO),
      also: [name(CHAIN_NGINX_TSGI)],
      // The issue's targets: 5x the Python stack (2.4k req/s hello world measured on a quiet 2-core
      // machine), and at least 0.8x of nginx in front of the same app server.
      targets: [
        { vs: name(CHAIN_DJANGO), min: 5 },
        { vs: name(CHAIN_NGINX_TSGI), min: 0.8 },
      ],
      available: () => built('webserver', 'cli.js')() ?? tsgiBuilt(),
      processes: (ctx) => [chainAppserver(ctx, path), chainWebserver(ctx, path)],
    },
  ];
};

export const rows = [
  // 1. Gateway: hello world, one process.
  { group: 'gateway', name: RAW, processes: nodeApp('raw-node.mjs'), node24: true },
  { group: 'gateway', name: CEILING, anchor: RAW, processes: nodeApp('raw-response-ceiling.mjs'), node24: true },
  { group: 'gateway', name: 'Fastify', anchor: RAW, processes: nodeApp('fastify.mjs') },
  { group: 'gateway', name: '@hono/node-server (Hono)', anchor: RAW, processes: nodeApp('hono-node.mjs') },
  { group: 'gateway', name: 'srvx (standard Response)', anchor: RAW, processes: nodeApp('srvx.mjs') },
  { group: 'gateway', name: 'tsgi serve() FastResponse', anchor: RAW, available: built('tsgi'), processes: nodeApp('tsgi-fast.mjs', { SERVE: '1' }), node24: true },
  // Issue 17: a standard Response at 0.9x the construction ceiling, on Node 20 and Node 24.
  { group: 'gateway', name: 'tsgi serve() standard Response', anchor: RAW, targets: [{ vs: CEILING, min: 0.9 }], available: built('tsgi'), processes: nodeApp('tsgi-response.mjs', { SERVE: '1' }), node24: true },

  // 2. App server.
  { group: 'appserver', name: 'tsgi-appserver -w 1 FastResponse', anchor: RAW, available: built('appserver', 'cli.js'), processes: appserver(join(apps, 'tsgi-fast.mjs:application'), 1) },
  { group: 'appserver', name: 'tsgi-appserver -w 1 standard Response', anchor: RAW, targets: [{ vs: CEILING, min: 0.9 }], available: built('appserver', 'cli.js'), processes: appserver(join(apps, 'tsgi-response.mjs:application'), 1) },
  { group: 'appserver', name: 'Express 5 listen()', anchor: RAW, processes: nodeApp('express.mjs', { LISTEN: '1' }) },
  { group: 'appserver', name: 'Express 5 on tsgi-appserver -w 1', anchor: 'Express 5 listen()', available: built('appserver', 'cli.js'), processes: appserver(join(apps, 'express.mjs:app'), 1) },
  {
    group: 'appserver',
    name: 'node:cluster -w 2 raw (both cores)',
    anchor: RAW,
    note: 'server unpinned and wrk on core 0: the load generator competes with the workers',
    processes: (ctx) => [{ cmd: ctx.node, args: [join(apps, 'raw-cluster.mjs')], env: { PORT: String(ctx.ports.main), WORKERS: '2' }, cores: '', ready: ready(ctx) }],
  },
  {
    group: 'appserver',
    name: 'tsgi-appserver -w 2 FastResponse (both cores)',
    anchor: 'node:cluster -w 2 raw (both cores)',
    available: built('appserver', 'cli.js'),
    processes: appserver(join(apps, 'tsgi-fast.mjs:application'), 2, ''),
  },
  // A new connection per request (what a front without upstream keep-alive sends): the cost of
  // the master handing each connection to a worker (connection-dispatcher.ts), against
  // node:cluster's own round-robin handoff.
  {
    group: 'appserver',
    name: 'node:cluster -w 2 raw, a connection per request (both cores)',
    anchor: RAW,
    headers: ['Connection: close'],
    processes: (ctx) => [{ cmd: ctx.node, args: [join(apps, 'raw-cluster.mjs')], env: { PORT: String(ctx.ports.main), WORKERS: '2' }, cores: '', ready: ready(ctx) }],
  },
  {
    group: 'appserver',
    name: 'tsgi-appserver -w 2 FastResponse, a connection per request (both cores)',
    anchor: 'node:cluster -w 2 raw, a connection per request (both cores)',
    headers: ['Connection: close'],
    available: built('appserver', 'cli.js'),
    processes: appserver(join(apps, 'tsgi-fast.mjs:application'), 2, ''),
  },

  // 3. Framework: GET /api/hello/world/ -> JSON, through each framework's default middleware.
  { group: 'framework', name: FASTIFY_JSON, anchor: RAW, path: '/api/hello/world/', processes: nodeApp('fastify.mjs') },
  { group: 'framework', name: 'Express 5 JSON route', anchor: FASTIFY_JSON, path: '/api/hello/world/', processes: nodeApp('express.mjs', { LISTEN: '1' }) },
  { group: 'framework', name: 'Hono JSON route', anchor: FASTIFY_JSON, path: '/api/hello/world/', processes: nodeApp('hono-node.mjs') },
  {
    group: 'framework',
    name: 'tsgi-framework JSON view on tsgi-appserver -w 1',
    anchor: FASTIFY_JSON,
    targets: [{ vs: FASTIFY_JSON, min: 0.9 }],
    also: ['Express 5 JSON route', 'Gunicorn + Django 3.2, 1 sync worker'],
    path: '/api/hello/world/',
    available: () => built('framework')() ?? built('appserver', 'cli.js')(),
    processes: appserver(join(apps, 'framework-app.mjs:application'), 1),
  },
  {
    group: 'framework',
    name: 'Gunicorn + Django 3.2, 1 sync worker',
    anchor: FASTIFY_JSON,
    path: '/api/hello/world/',
    available: needs(gunicorn, 'gunicorn'),
    processes: (ctx) => [
      {
        cmd: gunicorn,
        args: ['-w', '1', '-b', `127.0.0.1:${ctx.ports.main}`, '--chdir', join(apps, 'django'), '--log-level', 'warning', 'benchsite.wsgi:application'],
        ready: ready(ctx, '/api/hello/world/'),
      },
    ],
  },

  // 4. Static files.
  ...staticRows('1k', '1 KiB'),
  // What node:http itself reaches sending the same bytes and header fields from memory: the
  // ceiling of the 1 KiB row's req/s and p99 (raw node:http above sends 13 bytes).
  { group: 'static', name: RAW_FILE, anchor: NGINX_1K, metric: 'bytes', processes: nodeApp('raw-node-file-headers.mjs') },
  ...staticRows('1m', '1 MiB'),

  // 5. Reverse proxy to a raw node:http hello world. nginx sets the forwarding headers that
  // tsgi-webserver always adds (as in the chain rows): without them nginx did less work a request
  // (2026-12-07, CPU per request at a fixed count, five pairs: 38.0-40.3 us without, 40.0-43.1
  // with; 3% fewer requests/s with them).
  {
    group: 'proxy',
    name: NGINX_PROXY,
    ports: ['main', 'upstream'],
    available: needs(nginx, 'nginx'),
    processes: (ctx) => [
      upstream(ctx),
      nginxProcess(
        ctx,
        nginxConf(
          ctx,
          `  upstream app { server 127.0.0.1:${ctx.ports.upstream}; keepalive 32; }\n` +
            `  server { listen 127.0.0.1:${ctx.ports.main}; location / { proxy_pass http://app; ${NGINX_FORWARDING} } }`,
        ),
        '/',
      ),
    ],
  },
  {
    group: 'proxy',
    name: 'tsgi-webserver reverse-proxy',
    anchor: NGINX_PROXY,
    targets: [{ vs: NGINX_PROXY, min: 0.9 }, { vs: NGINX_PROXY, p99Max: 1.2 }],
    also: ['http-proxy'],
    ports: ['main', 'upstream'],
    available: built('webserver', 'cli.js'),
    processes: (ctx) => [
      upstream(ctx),
      {
        cmd: ctx.node,
        args: [webserverBin, '-c', webserverConf(ctx, webserverProxy(ctx, ctx.ports.upstream))],
        ready: ready(ctx),
      },
    ],
  },
  ...['http-proxy', 'http-proxy-3'].map((impl) => ({
    group: 'proxy',
    name: impl,
    anchor: NGINX_PROXY,
    ports: ['main', 'upstream'],
    processes: (ctx) => [
      upstream(ctx),
      {
        cmd: ctx.node,
        args: [join(apps, 'http-proxy.mjs')],
        env: { PORT: String(ctx.ports.main), UPSTREAM: `127.0.0.1:${ctx.ports.upstream}`, IMPL: impl },
        ready: ready(ctx),
      },
    ],
  })),

  // 6. The chain, hello world and a routed JSON view.
  ...CHAIN_CASES.flatMap(chainRows),
  // 7. New TLS handshakes per second, full and resumed, against nginx.
  ...handshakeRows,
  // 8. TLS and HTTP/2, and the memory of idle connections (bench/tls-rows.mjs).
  ...tlsRows,
  // 9. WebSocket: an echo of 64-byte text messages, in messages/s (bench/ws-load.mjs loads it).
  { group: 'websocket', name: WS_BARE, load: 'websocket', metric: 'messages', processes: nodeApp('ws-bare.mjs') },
  {
    group: 'websocket',
    name: 'tsgi-appserver -w 1 echo (upgradeWebSocket)',
    anchor: WS_BARE,
    also: [HONO_WS],
    targets: [{ vs: WS_BARE, min: 0.8 }],
    load: 'websocket',
    metric: 'messages',
    available: built('appserver', 'cli.js'),
    processes: appserver(join(apps, 'tsgi-ws-echo.mjs:application'), 1),
  },
  { group: 'websocket', name: 'tsgi serve() echo (upgradeWebSocket)', anchor: WS_BARE, load: 'websocket', metric: 'messages', available: built('tsgi'), processes: nodeApp('tsgi-ws-echo.mjs', { SERVE: '1' }) },
  { group: 'websocket', name: HONO_WS, anchor: WS_BARE, load: 'websocket', metric: 'messages', processes: nodeApp('hono-ws-echo.mjs') },
  // 10. Each server's RSS per process once idle (bench/idle-rows.mjs).
  ...idleRows,
];

/**
 * The rows to run: each of `list`, and after each row marked `node24` its run on Node 24 when
 * `node24` ({ path }) is given, against its anchor's and its targets' Node 24 runs where those
 * rows have one.
 * @example [...expandRows(rows, { path: '/usr/bin/node24' })]
 */
export function* expandRows(list, node24) {
  const on24 = new Set(list.filter((r) => r.node24).map((r) => r.name));
  const to24 = (name) => (on24.has(name) ? `${name} [node 24]` : name);
  for (const row of list) {
    yield row;
    if (!node24 || !row.node24) continue;
    yield { ...row, name: to24(row.name), anchor: row.anchor && to24(row.anchor), targets: row.targets?.map((t) => ({ ...t, vs: to24(t.vs) })), node: node24.path };
  }
}

export { NGINX_1K, NGINX_1M };

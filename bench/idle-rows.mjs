// The `idle` rows: each server's resident memory per process (master, each worker) once it has
// answered a few requests and then sat idle, against node's own floor, nginx and Gunicorn.
// Issue 17's target: an idle worker of each tsgi server <= 60 MB RSS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { appserverBin, apps, built, gunicorn, needs, nginx, root, webserverBin } from './parts.mjs';


/** The target for an idle worker of each tsgi server. */
export const IDLE_WORKER_TARGET_MB = 60;
/** Requests answered before the idle wait, so the code a request needs is loaded. */
const WARM_REQUESTS = 20;
/**
 * Then a working day in small: requests over keep-alive connections, and the same idle wait
 * again. A worker that has served traffic is what production sees, and it can hold far more
 * than one that answered 20 requests (V8's young generation grows under load and is not given
 * back while idle: bench/README, "Idle memory per process").
 */
const LOAD_REQUESTS = 20_000;
const LOAD_CONNECTIONS = 10;

const RAW = 'raw node:http hello world, idle';
const ready = (ctx, path = '/', port = ctx.ports.main) => ({ url: `http://127.0.0.1:${port}${path}` });

/**
 * Warms the server with {@link WARM_REQUESTS} requests, waits `settings.duration` seconds with
 * no traffic (V8 and node release what startup and the first requests left behind), then reads
 * VmRSS of each process. `processes()` gives the row's measured processes, each with its role.
 */
async function measureIdle(ctx, url, settings, processes) {
  for (let i = 0; i < WARM_REQUESTS; i++) {
    const res = await fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status >= 500) throw new Error(`warm-up request answered ${res.status}`);
  }
  await sleep(settings.duration * 1000);
  const list = processes();
  if (list.length === 0) throw new Error('no process to measure');
  await drive(url, LOAD_REQUESTS, LOAD_CONNECTIONS);
  await sleep(settings.duration * 1000);
  const loaded = processes();
  return {
    processes: list,
    idleWorkerMb: largestWorker(list),
    rssMb: Math.round(list.reduce((sum, p) => sum + p.rssMb, 0)),
    afterLoad: { processes: loaded, idleWorkerMb: largestWorker(loaded), requests: LOAD_REQUESTS },
    requests: WARM_REQUESTS + LOAD_REQUESTS,
    errors: 0,
    idleSeconds: settings.duration,
  };
}

/** The RSS of the largest worker (the process itself when it has none). */
function largestWorker(list) {
  return Math.max(...list.filter((p) => p.role === 'worker' || p.role === 'process').map((p) => p.rssMb));
}

/** `count` GETs of `url` over `connections` keep-alive connections; any answer >= 500 fails the row. */
async function drive(url, count, connections) {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections });
  let left = count;
  const client = async () => {
    while (left-- > 0) {
      const { statusCode, body } = await pool.request({ path: pathname, method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
      await body.dump();
      if (statusCode >= 500) throw new Error(`a request under load answered ${statusCode}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, client));
  } finally {
    await pool.close();
  }
}

/** An idle row: `target` marks the tsgi rows that the 60 MB applies to. */
const row = (name, spec) => ({
  group: 'idle',
  name,
  metric: 'idle',
  anchor: name === RAW ? undefined : RAW,
  ...spec,
  measure: (ctx, _rssKb, settings, processes) => measureIdle(ctx, `http://127.0.0.1:${ctx.ports.main}${spec.path ?? '/'}`, settings, processes),
});

const appserver = (target, { cwd, env, path = '/' } = {}) => (ctx) => [
  {
    cmd: ctx.node,
    args: [appserverBin, '-b', `127.0.0.1:${ctx.ports.main}`, '-w', '1', target],
    cwd,
    env,
    kind: 'tsgi-appserver',
    ready: ready(ctx, path),
  },
];

const www = (ctx) => {
  ctx.www = join(ctx.dir, 'www');
  mkdirSync(ctx.www, { recursive: true });
  writeFileSync(join(ctx.www, '1k.bin'), randomBytes(1024));
};

const webserver = (form) => (ctx) => {
  const upstream = { cmd: ctx.node, args: [join(apps, 'raw-node.mjs')], env: { PORT: String(ctx.ports.upstream) }, kind: 'upstream', measured: false, ready: ready(ctx, '/', ctx.ports.upstream) };
  const args = form === 'static' ? ['file-server', '--root', ctx.www] : ['reverse-proxy', '--to', `127.0.0.1:${ctx.ports.upstream}`];
  const server = { cmd: ctx.node, args: [webserverBin, ...args, '--listen', `127.0.0.1:${ctx.ports.main}`, '--workers', '1'], kind: 'tsgi-webserver', ready: ready(ctx, form === 'static' ? '/1k.bin' : '/') };
  return form === 'static' ? [server] : [upstream, server];
};

const nginxIdle = (ctx) => {
  const conf = join(ctx.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process on;\nworker_processes 1;\npid ${ctx.dir}/nginx.pid;\nerror_log ${ctx.dir}/error.log;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${ctx.dir}; proxy_temp_path ${ctx.dir}; fastcgi_temp_path ${ctx.dir}; uwsgi_temp_path ${ctx.dir}; scgi_temp_path ${ctx.dir};\n` +
      `  server { listen 127.0.0.1:${ctx.ports.main}; root ${ctx.www}; }\n}\n`,
  );
  return [{ cmd: nginx, args: ['-c', conf, '-p', ctx.dir, '-e', `${ctx.dir}/error.log`], kind: 'nginx', ready: ready(ctx, '/1k.bin') }];
};

/** The demo's static files and their manifest (the templates link hashed names), as `npm start` collects them. */
const collectStatic = (ctx) => {
  ctx.staticRoot = join(ctx.dir, 'static');
  const tsx = createRequire(import.meta.url).resolve('tsx');
  execFileSync(ctx.node, ['--import', tsx, join(root, 'examples', 'chain', 'collectstatic.ts'), ctx.staticRoot], { stdio: 'ignore', timeout: 120_000 });
};

const tsgiRow = (name, spec) => row(name, { node24: true, idleTarget: IDLE_WORKER_TARGET_MB, ...spec });

export const idleRows = [
  row(RAW, { node24: true, processes: (ctx) => [{ cmd: ctx.node, args: [join(apps, 'raw-node.mjs')], env: { PORT: String(ctx.ports.main) }, kind: 'node', ready: ready(ctx) }] }),
  tsgiRow('tsgi-appserver -w 1, TSGI app (standard Response), idle', {
    available: built('appserver', 'cli.js'),
    processes: appserver(join(apps, 'tsgi-response.mjs:application')),
  }),
  tsgiRow('tsgi-appserver -w 1, tsgi-framework app, idle', {
    path: '/api/hello/world/',
    available: () => built('framework', 'index.js')() ?? built('appserver', 'cli.js')(),
    processes: appserver(join(apps, 'framework-app.mjs:application'), { path: '/api/hello/world/' }),
  }),
  // What `npm start` runs: the demo project (its .ts files loaded through tsx), its home page.
  tsgiRow('tsgi-appserver -w 1, the demo project (examples/mysite, through tsx), idle', {
    available: () => built('framework', 'index.js')() ?? built('appserver', 'cli.js')(),
    setup: collectStatic,
    processes: (ctx) =>
      appserver('mysite/tsgi.ts:application', {
        cwd: join(root, 'examples', 'mysite'),
        env: { TSGI_DEBUG: '0', TSGI_ALLOWED_HOSTS: '127.0.0.1,localhost', TSGI_SECRET_KEY: randomBytes(48).toString('base64url'), TSGI_STATIC_ROOT: ctx.staticRoot },
      })(ctx),
  }),
  tsgiRow('tsgi-webserver --workers 1 file-server, idle', { path: '/1k.bin', setup: www, available: built('webserver', 'cli.js'), processes: webserver('static') }),
  tsgiRow('tsgi-webserver --workers 1 reverse-proxy, idle', { ports: ['main', 'upstream'], available: built('webserver', 'cli.js'), processes: webserver('proxy') }),
  row('nginx, 1 worker (static), idle', { path: '/1k.bin', setup: www, available: needs(nginx, 'nginx'), processes: nginxIdle }),
  row('Gunicorn + Django 3.2, 1 sync worker, idle', {
    path: '/api/hello/world/',
    available: needs(gunicorn, 'gunicorn'),
    processes: (ctx) => [
      {
        cmd: gunicorn,
        args: ['-w', '1', '-b', `127.0.0.1:${ctx.ports.main}`, '--chdir', join(apps, 'django'), '--log-level', 'warning', 'benchsite.wsgi:application'],
        kind: 'gunicorn',
        ready: ready(ctx, '/api/hello/world/'),
      },
    ],
  }),
];

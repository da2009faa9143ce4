// TLS handshake rows: new handshakes per second, full and resumed (TLS 1.3 session tickets),
// tsgi-webserver against nginx, both with one worker on core 1, an RSA 2048 certificate and the
// same protocols. The load is bench/handshake-client.mjs on core 0 (the `tool` of these rows):
// CONNECTIONS clients doing one handshake after another. A resumed row counts a handshake that
// was not resumed as an error, so a row that stopped resuming cannot pass for a fast one.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { nginx, root, webserverBin } from './parts.mjs';

const client = join(root, 'bench', 'handshake-client.mjs');
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const NGINX_FULL = 'nginx TLS handshakes, full';
const NGINX_RESUMED = 'nginx TLS handshakes, resumed';

/** The load tool of these rows: the handshake client, pinned like wrk. */
const handshakes = (resume) => ({
  name: 'handshake-client',
  async run(url, s, cores = '0') {
    const port = new URL(url).port;
    const args = [client, '--port', port, '--duration', String(s.duration), '--connections', String(s.connections), ...(resume ? ['--resume'] : [])];
    const [cmd, full] = hasTaskset && cores ? ['taskset', ['-c', cores, process.execPath, ...args]] : [process.execPath, args];
    const out = execFileSync(cmd, full, { encoding: 'utf8', timeout: (s.duration + 60) * 1000 });
    const r = JSON.parse(out.trim().split('\n').pop());
    return { rps: r.perSecond, bytesPerSec: 0, p50ms: r.p50ms, p99ms: r.p99ms, requests: r.handshakes, errors: r.errors };
  },
});

/** An RSA 2048 certificate, as the measurements used. */
const cert = (ctx) => {
  ctx.cert = join(ctx.dir, 'bench.pem');
  ctx.key = join(ctx.dir, 'bench.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ctx.key, '-out', ctx.cert, '-days', '2', '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test'], { stdio: 'ignore', timeout: 30_000 });
};

// Readiness is checked over a cleartext port of the same server (the runner's probe speaks plain HTTP).
const ready = (ctx) => ({ url: `http://127.0.0.1:${ctx.ports.ready}/` });

const nginxProcess = (ctx) => {
  const conf = join(ctx.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${ctx.dir}/nginx.pid;\nerror_log ${ctx.dir}/error.log;\n` +
      `events { worker_connections 4096; }\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${ctx.dir}; proxy_temp_path ${ctx.dir}; fastcgi_temp_path ${ctx.dir}; uwsgi_temp_path ${ctx.dir}; scgi_temp_path ${ctx.dir};\n` +
      `  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_session_tickets on;\n  ssl_session_timeout 1h;\n` +
      `  server { listen 127.0.0.1:${ctx.ports.main} ssl; ssl_certificate ${ctx.cert}; ssl_certificate_key ${ctx.key}; return 200 "ok"; }\n` +
      `  server { listen 127.0.0.1:${ctx.ports.ready}; return 200 "ok"; }\n}\n`,
  );
  return { cmd: nginx, args: ['-c', conf, '-p', ctx.dir, '-e', `${ctx.dir}/error.log`], ready: ready(ctx) };
};

const tsgiProcess = (ctx) => {
  const conf = join(ctx.dir, 'tsgi-webserver.toml');
  writeFileSync(
    conf,
    `workers = 1\nerror_log_level = "warn"\n[[server]]\nlisten = ["127.0.0.1:${ctx.ports.main} ssl http2", "127.0.0.1:${ctx.ports.ready}"]\n` +
      `ssl_certificate = "${ctx.cert}"\nssl_certificate_key = "${ctx.key}"\nreturn = "200 ok"\n`,
  );
  return { cmd: process.execPath, args: [webserverBin, '-c', conf], ready: ready(ctx) };
};

const available = (what) => () => {
  if (what === 'nginx' && !nginx) return 'nginx not installed';
  if (what === 'tsgi' && !existsSync(join(root, 'packages', 'webserver', 'dist', 'cli.js'))) return 'packages/webserver not built or not there yet';
  return spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl not installed';
};

const row = (name, anchor, resume, which) => ({
  group: 'handshake',
  name,
  ...(anchor ? { anchor } : {}),
  ports: ['main', 'ready'],
  tool: handshakes(resume),
  available: available(which),
  setup: cert,
  processes: (ctx) => [which === 'nginx' ? nginxProcess(ctx) : tsgiProcess(ctx)],
  note: 'handshakes/s (req/s column), TLS 1.3, RSA 2048, one worker; the client on core 0 closes once it has the ticket',
});

export const handshakeRows = [
  row(NGINX_FULL, undefined, false, 'nginx'),
  row('tsgi-webserver TLS handshakes, full', NGINX_FULL, false, 'tsgi'),
  row(NGINX_RESUMED, undefined, true, 'nginx'),
  row('tsgi-webserver TLS handshakes, resumed', NGINX_RESUMED, true, 'tsgi'),
];

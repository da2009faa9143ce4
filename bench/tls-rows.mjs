// The TLS rows of `npm run bench`: a 1 KiB file over HTTP/1.1 on TLS (wrk with https) and over
// HTTP/2 (h2load -c20 -m10, Debian's nghttp2-client), for nginx, node's own servers sending the
// same bytes from memory (the anchors: node:https, and node:http2's stream API; and the same two
// sending the header fields a file server sends, as nginx and tsgi-webserver do) and
// tsgi-webserver; then the memory an idle connection holds in nginx, in node's own servers and
// in tsgi-webserver.
// Every server gets the same self-signed RSA 2048 certificate, made with openssl per row.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openIdle } from './idle-connections.mjs';
import { apps, nginx, root, webserverBin } from './parts.mjs';


const RAW_HTTPS = 'raw node:https 1 KiB from memory (HTTP/1.1)';
const RAW_H2 = 'raw node:http2 stream API 1 KiB from memory (HTTP/2)';
const RAW_HTTPS_FILE = 'raw node:https 1 KiB with a file server\'s headers (HTTP/1.1)';
const RAW_H2_FILE = 'raw node:http2 stream API 1 KiB with a file server\'s headers (HTTP/2)';
const RAW_IDLE_H2 = 'raw node:http2: 1,000 idle HTTP/2 connections';
const RAW_IDLE_H1 = 'raw node:https: 1,000 idle keep-alive TLS connections';
const NGINX_H1 = 'nginx 1 KiB over TLS (HTTP/1.1)';
const NGINX_H2 = 'nginx 1 KiB over HTTP/2';
const NGINX_IDLE_H2 = 'nginx: 1,000 idle HTTP/2 connections';
const NGINX_IDLE_H1 = 'nginx: 1,000 idle keep-alive TLS connections';
/** How many idle connections the memory rows open, and how many at once. */
const IDLE = 1000;
const IDLE_PARALLEL = 50;

const notBuilt = () => (existsSync(join(root, 'packages', 'webserver', 'dist', 'cli.js')) ? undefined : 'packages/webserver not built');
const noNginx = () => (nginx ? undefined : 'nginx not installed');

/** The 1 KiB file and the certificate, in the row's directory. */
function setup(ctx) {
  const www = join(ctx.dir, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, '1k.bin'), randomBytes(1024));
  ctx.www = www;
  ctx.cert = join(ctx.dir, 'cert.pem');
  ctx.key = join(ctx.dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ctx.key, '-out', ctx.cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore', timeout: 60_000 });
}

const ready = (ctx) => ({ tls: ctx.ports.main });

/** nginx as the static rows run it (one process, no access log), listening with TLS and HTTP/2. */
function nginxTls(ctx) {
  const conf = join(ctx.dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${ctx.dir}/nginx.pid;\nerror_log ${ctx.dir}/error.log;\n` +
      `events { worker_connections 4096; }\nhttp {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n` +
      `  client_body_temp_path ${ctx.dir}; proxy_temp_path ${ctx.dir}; fastcgi_temp_path ${ctx.dir}; uwsgi_temp_path ${ctx.dir}; scgi_temp_path ${ctx.dir};\n` +
      `  server { listen 127.0.0.1:${ctx.ports.main} ssl http2; ssl_certificate ${ctx.cert}; ssl_certificate_key ${ctx.key}; root ${ctx.www}; }\n}\n`,
  );
  return [{ cmd: nginx, args: ['-c', conf, '-p', ctx.dir, '-e', `${ctx.dir}/error.log`], ready: ready(ctx) }];
}

/** tsgi-webserver, one worker, the same settings as nginx's (keepalive_requests included). */
function webserverTls(ctx) {
  const conf = join(ctx.dir, 'tsgi-webserver.toml');
  writeFileSync(
    conf,
    `workers = 1\npid = "${ctx.dir}/tsgi.pid"\nkeepalive_requests = 100000\nmax_connections = 4096\n` +
      `[[server]]\nlisten = "127.0.0.1:${ctx.ports.main} ssl http2"\nssl_certificate = "${ctx.cert}"\nssl_certificate_key = "${ctx.key}"\nroot = "${ctx.www}"\n`,
  );
  return [{ cmd: ctx.node, args: [webserverBin, '-c', conf], ready: ready(ctx) }];
}

const rawNode = (app) => (ctx) => [
  { cmd: ctx.node, args: [join(apps, app)], env: { PORT: String(ctx.ports.main), CERT: ctx.cert, KEY: ctx.key }, ready: ready(ctx) },
];

const h1 = { scheme: 'https', path: '/1k.bin', setup };
const h2 = { scheme: 'https', path: '/1k.bin', setup, load: 'h2load' };

/** RSS per 1,000 idle connections: one request on each, then they stay open while RSS is read. */
const idle = (protocol) => ({
  metric: 'memory',
  setup,
  path: '/1k.bin',
  measure: (ctx, rssKb) => openIdle({ port: ctx.ports.main, path: '/1k.bin', protocol, count: IDLE, parallel: IDLE_PARALLEL, rssKb }),
});

export const tlsRows = [
  { group: 'tls', name: NGINX_H1, available: noNginx, processes: nginxTls, ...h1 },
  { group: 'tls', name: RAW_HTTPS, processes: rawNode('raw-https.mjs'), ...h1 },
  { group: 'tls', name: RAW_HTTPS_FILE, processes: rawNode('raw-https-headers.mjs'), ...h1 },
  { group: 'tls', name: 'tsgi-webserver 1 KiB over TLS (HTTP/1.1)', anchor: RAW_HTTPS, also: [RAW_HTTPS_FILE, NGINX_H1], available: notBuilt, processes: webserverTls, ...h1 },
  { group: 'tls', name: NGINX_H2, available: noNginx, processes: nginxTls, ...h2 },
  { group: 'tls', name: RAW_H2, processes: rawNode('raw-http2.mjs'), ...h2 },
  { group: 'tls', name: RAW_H2_FILE, processes: rawNode('raw-http2-headers.mjs'), ...h2 },
  { group: 'tls', name: 'tsgi-webserver 1 KiB over HTTP/2', anchor: RAW_H2, also: [RAW_H2_FILE, NGINX_H2], available: notBuilt, processes: webserverTls, ...h2 },
  { group: 'memory', name: NGINX_IDLE_H2, available: noNginx, processes: nginxTls, ...idle('h2') },
  // node's own servers hold the connections too: what node's TLS and HTTP/2 layers cost alone.
  { group: 'memory', name: RAW_IDLE_H2, processes: rawNode('raw-http2.mjs'), ...idle('h2') },
  { group: 'memory', name: 'tsgi-webserver: 1,000 idle HTTP/2 connections', anchor: NGINX_IDLE_H2, also: [RAW_IDLE_H2], available: notBuilt, processes: webserverTls, ...idle('h2') },
  { group: 'memory', name: NGINX_IDLE_H1, available: noNginx, processes: nginxTls, ...idle('http/1.1') },
  { group: 'memory', name: RAW_IDLE_H1, processes: rawNode('raw-https.mjs'), ...idle('http/1.1') },
  { group: 'memory', name: 'tsgi-webserver: 1,000 idle keep-alive TLS connections', anchor: NGINX_IDLE_H1, also: [RAW_IDLE_H1], available: notBuilt, processes: webserverTls, ...idle('http/1.1') },
];

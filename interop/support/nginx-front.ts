/**
 * Debian's nginx in front of an app server, configured as Gunicorn's deployment docs show: the
 * static files served by nginx itself from STATIC_ROOT, everything else proxied with the client's
 * Host, X-Forwarded-For and X-Forwarded-Proto. A master process with one worker, which runs
 * unprivileged (nobody) when the test runs as root, as nginx's www-data workers do in production:
 * a unix socket or a static file they cannot open shows up as a failure here.
 * @module
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'tsgi-test-support';
import { FrontProcess } from './front-process.js';

/** Where nginx is; override with NGINX_BIN. */
export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

/** What the nginx front serves. */
export interface NginxFrontOptions {
  /** The app server: `http://127.0.0.1:PORT` or `unix:/path/app.sock`. */
  readonly upstream: string;
  /** Served at /static/ by nginx. */
  readonly staticRoot: string;
  /** The X-Forwarded-Proto nginx sends: `https` stands for a TLS terminator in front of it. */
  readonly forwardedProto: string;
}

/** The nginx.conf of {@link startNginxFront}; `dir` holds its pid file, logs and temp paths. */
function nginxConfig(dir: string, port: number, options: NginxFrontOptions): string {
  const server = options.upstream.startsWith('unix:') ? options.upstream : options.upstream.replace(/^http:\/\//, '');
  return `daemon off;
${userInfo().uid === 0 ? 'user nobody nogroup;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_max_body_size 16m;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app_server { server ${server} fail_timeout=0; }
  server {
    listen 127.0.0.1:${port};
    location /static/ { alias ${options.staticRoot}/; }
    location / {
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto ${options.forwardedProto};
      proxy_redirect off;
      proxy_pass http://app_server;
    }
  }
}
`;
}

/**
 * Starts nginx on a free loopback port with its own config, pid file, error log and temp paths in
 * a temp directory (removed by `stop()`).
 *
 * @example
 * ```ts
 * const nginx = await startNginxFront('nginx', { upstream: demo.url, staticRoot: demo.staticRoot, forwardedProto: 'https' });
 * try { await fetch(`${nginx.url}/static/site.css`); } finally { await nginx.stop(); }
 * ```
 */
export async function startNginxFront(name: string, options: NginxFrontOptions): Promise<FrontProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-interop-nginx-'));
  // nginx's unprivileged worker writes request bodies under it.
  chmodSync(dir, 0o755);
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, options));
  return FrontProcess.start({
    name,
    binary: NGINX_BIN,
    debianPackage: 'nginx',
    args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')],
    port,
    errorLog: join(dir, 'error.log'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}

/**
 * Debian's Apache httpd (event MPM, mod_proxy_http) in front of an app server, configured as a
 * deployment would be: /static/ served by Apache itself (Alias to STATIC_ROOT), everything else
 * proxied with the client's Host (ProxyPreserveHost), the X-Forwarded-For mod_proxy_http adds
 * itself, and X-Forwarded-Proto set with mod_headers. In the foreground, with its own ServerRoot,
 * PidFile, Listen and ErrorLog in a temp dir; as root its children run as nobody (Apache refuses
 * root children), so unreadable files or sockets fail here as they would in production.
 * @module
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'tsgi-test-support';
import { FrontProcess } from './front-process.js';

/** Where Apache httpd is; override with APACHE_BIN. */
export const APACHE_BIN = process.env.APACHE_BIN ?? '/usr/sbin/apache2';
/** Where its modules are; override with APACHE_MODULES. */
const APACHE_MODULES = process.env.APACHE_MODULES ?? '/usr/lib/apache2/modules';
const MODULES = ['mpm_event', 'authz_core', 'mime', 'alias', 'headers', 'proxy', 'proxy_http'];

/** What the Apache front serves. */
export interface ApacheFrontOptions {
  /** The app server: `http://127.0.0.1:PORT` or `unix:/path/app.sock`. */
  readonly upstream: string;
  /** Served at /static/ by Apache. */
  readonly staticRoot: string;
  /** The X-Forwarded-Proto Apache sends: `https` stands for a TLS terminator in front of it. */
  readonly forwardedProto: string;
}

/** mod_proxy's URL for the upstream: a unix socket is `unix:/path|http://localhost/`. */
function proxyUrl(upstream: string): string {
  return upstream.startsWith('unix:') ? `${upstream}|http://localhost/` : upstream.replace(/\/?$/, '/');
}

/** The httpd.conf of {@link startApacheFront}; `dir` is its ServerRoot. */
function apacheConfig(dir: string, port: number, options: ApacheFrontOptions): string {
  const modules = MODULES.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`).join('\n');
  return `ServerRoot ${dir}
${modules}
${userInfo().uid === 0 ? 'User nobody\nGroup nogroup' : ''}
ServerName localhost
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn
TypesConfig /etc/mime.types
LimitRequestBody 16777216

Alias /static/ ${options.staticRoot}/
<Directory ${options.staticRoot}>
  Require all granted
</Directory>

ProxyPass /static/ !
ProxyPass / ${proxyUrl(options.upstream)}
ProxyPassReverse / ${proxyUrl(options.upstream)}
ProxyPreserveHost On
RequestHeader set X-Forwarded-Proto ${options.forwardedProto}
`;
}

/**
 * Starts Apache httpd on a free loopback port (`apache2 -f CONF -DFOREGROUND`); `stop()` stops it
 * and removes its temp dir.
 *
 * @example
 * ```ts
 * const apache = await startApacheFront('apache2', { upstream: demo.url, staticRoot: demo.staticRoot, forwardedProto: 'https' });
 * try { await fetch(`${apache.url}/static/site.css`); } finally { await apache.stop(); }
 * ```
 */
export async function startApacheFront(name: string, options: ApacheFrontOptions): Promise<FrontProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-interop-apache-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'httpd.conf'), apacheConfig(dir, port, options));
  return FrontProcess.start({
    name,
    binary: APACHE_BIN,
    debianPackage: 'apache2',
    args: ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'],
    port,
    errorLog: join(dir, 'error.log'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}

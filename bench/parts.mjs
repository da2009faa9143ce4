// Where the bench's rows find what they run: the repository's built CLIs and bench apps, and the
// system's nginx and Gunicorn; and the checks that say why a row cannot run (`available`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
export const apps = join(root, 'bench', 'apps');
export const appserverBin = join(root, 'packages', 'appserver', 'bin', 'tsgi-appserver.js');
export const webserverBin = join(root, 'packages', 'webserver', 'bin', 'tsgi-webserver.js');
export const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
export const gunicorn = ['/usr/bin/gunicorn', '/usr/local/bin/gunicorn'].find((p) => existsSync(p));

/** A row's `available`: undefined when `packages/<pkg>/dist/<file>` is built, else why not. */
export const built = (pkg, file = 'index.js') => () =>
  existsSync(join(root, 'packages', pkg, 'dist', file)) ? undefined : `packages/${pkg} not built or not there yet`;
/** A row's `available`: undefined when the program at `path` is there, else "<what> not installed". */
export const needs = (path, what) => () => (path && existsSync(path) ? undefined : `${what} not installed`);

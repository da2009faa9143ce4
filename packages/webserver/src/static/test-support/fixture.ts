/**
 * Test support: a temp document root beside a temp "outside" directory, and a plain node:http
 * server running the static handler (404 when the handler declines).
 * @module
 */
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticHandler } from '../handler.js';
import type { StaticOptions } from '../options.js';
import type { StaticHandler } from '../types.js';

/** 2024-01-01T00:00:00Z: a fixed mtime so validators are predictable. */
export const FIXED_MTIME = 1_704_067_200;

export interface Tree {
  /** Parent temp dir: holds `www/` (the root) and `outside/`. */
  readonly dir: string;
  readonly root: string;
  readonly outside: string;
  remove(): Promise<void>;
}

/** Writes files (paths relative to the root; `../outside/...` allowed) and symlinks. */
export async function makeTree(
  files: Readonly<Record<string, string | Buffer>>,
  links: Readonly<Record<string, string>> = {},
): Promise<Tree> {
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-static-'));
  const root = join(dir, 'www');
  const outside = join(dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(join(path, '..'), { recursive: true });
    if (rel.endsWith('/')) await mkdir(path, { recursive: true });
    else {
      await writeFile(path, content);
      await utimes(path, FIXED_MTIME, FIXED_MTIME);
    }
  }
  for (const [rel, target] of Object.entries(links)) {
    const path = join(root, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await symlink(target, path);
  }
  return { dir, root, outside, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningStatic {
  readonly port: number;
  readonly url: string;
  readonly handler: StaticHandler;
  readonly server: Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 with the handler for `options`. */
export async function serveStatic(options: StaticOptions): Promise<RunningStatic> {
  const handler = createStaticHandler(options);
  const server = createServer((req, res) => {
    handler(req, res).then(
      (served) => {
        if (!served) res.writeHead(404, { 'content-type': 'text/plain' }).end('404 Not Found\n');
      },
      (err: unknown) => {
        if (process.env.TSGI_STATIC_DEBUG) console.error(err);
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    handler,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await handler.close();
    },
  };
}

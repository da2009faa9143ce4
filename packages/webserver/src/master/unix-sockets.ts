/**
 * A unix socket file left by a server that crashed blocks the next bind (EADDRINUSE). Before
 * binding, a socket file nothing answers on is removed, as nginx does; a live one is left alone
 * (the bind then fails and says so).
 * @module
 */
import { connect } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { ErrorLog } from '../log/error-log.js';

/** Removes stale socket files of the config's unix listeners. */
export async function removeStaleUnixSockets(config: Config, log: ErrorLog): Promise<void> {
  const paths = new Set<string>();
  for (const s of config.servers) for (const l of s.listen) if (l.address.kind === 'unix') paths.add(l.address.path);
  for (const path of paths) {
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isSocket()) continue;
    const alive = await new Promise<boolean>((resolve) => {
      const c = connect(path);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (!alive) {
      await unlink(path).catch(() => undefined);
      log.log('notice', `removed stale unix socket ${path}`);
    }
  }
}

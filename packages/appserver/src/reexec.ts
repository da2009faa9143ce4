/**
 * USR2, a binary upgrade without closing the port (Unicorn's scheme, as Gunicorn has it): the
 * master starts a new master from the same command line with the listening sockets inherited
 * as file descriptors 3, 4, ...; the new master writes `<pidfile>.2`, starts its own workers on
 * the same sockets, and both generations accept until the operator decides:
 *
 *   TERM to the old master   the upgrade completes: the old workers finish gracefully, the old
 *                            master exits, and the new one renames `<pidfile>.2` to `<pidfile>`
 *   HUP to the old master    rollback: the old master stops the new one (TERM) and keeps serving
 *
 * A unix socket's file belongs to whichever master outlives the other: the old master does not
 * remove it while a new master runs.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { BoundListener } from './listeners.js';

/** The old master's pid, in the new master's environment (Gunicorn's GUNICORN_PID). */
const MASTER_PID_ENV = 'TSGI_APPSERVER_OLD_MASTER_PID';
/** The inherited sockets' labels, in fd order from 3 (Gunicorn's GUNICORN_FD). */
const LABELS_ENV = 'TSGI_APPSERVER_INHERITED_LISTENERS';
/** The first inherited descriptor, as with systemd. */
const FIRST_FD = 3;

/** What a new master inherits from the old one. */
export interface Inheritance {
  readonly oldMasterPid: number;
  readonly fds: readonly number[];
  /** The labels the old master served them under (`http://127.0.0.1:8000`, `unix:/run/app.sock`). */
  readonly labels: readonly string[];
}

/**
 * Reads (and removes, so workers and a later upgrade do not see them) what an old master passed.
 * Undefined when this master was started normally.
 */
export function inheritedFromOldMaster(env: NodeJS.ProcessEnv = process.env): Inheritance | undefined {
  const pid = env[MASTER_PID_ENV];
  const labels = env[LABELS_ENV];
  delete env[MASTER_PID_ENV];
  delete env[LABELS_ENV];
  if (pid === undefined || labels === undefined || !/^\d+$/.test(pid)) return undefined;
  const list = JSON.parse(labels) as string[];
  return { oldMasterPid: Number(pid), fds: list.map((_, i) => FIRST_FD + i), labels: list };
}

/** The descriptor under a bound listener's handle. */
function fdOf(listener: BoundListener): number {
  const fd = (listener.handle as unknown as { fd?: number }).fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error(`cannot pass ${listener.label} to a new master: no file descriptor`);
  return fd;
}

/**
 * Starts the new master: this process's own command line (node flags, script, arguments), with
 * every listening socket as fds 3, 4, ... and the old master's pid in the environment.
 *
 * @example
 * ```ts
 * const next = spawnNewMaster(listeners);
 * next.once('exit', (code) => log.info('new master exited with %s', code));
 * ```
 */
export function spawnNewMaster(listeners: readonly BoundListener[]): ChildProcess {
  const fds = listeners.map(fdOf);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    cwd: process.cwd(),
    stdio: ['inherit', 'inherit', 'inherit', ...fds],
    env: { ...process.env, [MASTER_PID_ENV]: String(process.pid), [LABELS_ENV]: JSON.stringify(listeners.map((l) => l.label)) },
  });
  // The old master must be free to exit (TERM completes the upgrade) while the new one lives on.
  child.unref();
  return child;
}

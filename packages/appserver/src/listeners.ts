/**
 * Binding the sockets in the master (Gunicorn's sock.py): TCP, unix and inherited fds, or the
 * sockets systemd passes (LISTEN_FDS). The master owns them for its whole life: it accepts on
 * them and hands each connection to a worker (connection-dispatcher.ts), so a worker that
 * crashes or is replaced never closes the port.
 * @module
 */
import { lookup } from 'node:dns/promises';
import { lstatSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { resolve } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { formatBind, parseBind, type BindAddress } from './bind-address.js';
import { AppserverError } from './errors.js';

/**
 * A bound libuv handle (TCPWrap or PipeWrap), not yet listening: the dispatcher listens on it
 * and takes its connections (as node:cluster's round-robin handle does); a new master (USR2)
 * inherits its descriptor.
 */
export type RawHandle = object & { readonly fd: number; close(): void };

/** One bound socket. */
export interface BoundListener {
  /** What was bound (for TCP, with the real port when 0 was asked). */
  readonly address: BindAddress;
  /** For logs: `http://127.0.0.1:8000`, `unix:/run/app.sock`, `fd://3`. */
  readonly label: string;
  readonly handle: RawHandle;
  /** A unix socket file this server created (removed on exit). */
  readonly unlinkPath: string | undefined;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number, fd: number | undefined, flags: number) => RawHandle | number;

function createServerHandle(): CreateServerHandle {
  // node:cluster's own binding primitive (net._createServerHandle, public since Node 0.x though
  // undocumented): binds without listening, so a bind error is reported before any worker starts.
  const fn = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  if (typeof fn !== 'function') {
    throw new AppserverError('TSGI_APPSERVER_E_BIND', `this Node.js (${process.version}) lacks net._createServerHandle, which tsgi-appserver needs to share sockets with workers`);
  }
  return fn;
}

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
const SD_LISTEN_FDS_START = 3;

/**
 * The fds systemd socket activation passed to this process, per sd_listen_fds(3): LISTEN_PID
 * must be our pid and LISTEN_FDS the count. The variables are removed so workers and the app
 * do not take them for their own.
 */
export function systemdListenFds(env: NodeJS.ProcessEnv = process.env): number[] {
  const pid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  if (pid === undefined || count === undefined) return [];
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (Number(pid) !== process.pid || !/^\d+$/.test(count)) return [];
  return Array.from({ length: Number(count) }, (_, i) => SD_LISTEN_FDS_START + i);
}

function fail(bind: string, err: number | string, hint = ''): AppserverError {
  const name = typeof err === 'number' ? getSystemErrorName(err) : err;
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use (another server is running there?)',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'the address is not available on this machine',
    EBADF: 'no such file descriptor was passed to this process',
    ENOTSOCK: 'the file descriptor is not a socket',
    ENOENT: 'the directory does not exist',
  };
  return new AppserverError('TSGI_APPSERVER_E_BIND', `cannot bind ${bind}: ${name}${why[name] ? `: ${why[name]}` : ''}${hint}`);
}

function isLiveSocket(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect(path);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function bindUnix(text: string, path: string, umask: number | null): Promise<BoundListener> {
  const full = resolve(path);
  try {
    if (lstatSync(full).isSocket()) {
      // A socket file left by a server that died; remove it unless something still answers there.
      if (await isLiveSocket(full)) throw fail(text, 'EADDRINUSE');
      unlinkSync(full);
    }
  } catch (err) {
    if (err instanceof AppserverError) throw err;
  }
  const previous = umask === null ? undefined : process.umask(umask);
  let handle: RawHandle | number;
  try {
    handle = createServerHandle()(full, -1, -1, undefined, 0);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  if (typeof handle === 'number') throw fail(text, handle);
  return { address: { kind: 'unix', path: full }, label: `unix:${full}`, handle, unlinkPath: full };
}

async function bindTcp(text: string, host: string, port: number, scheme: 'http' | 'https'): Promise<BoundListener> {
  let address = host;
  let family = net.isIP(host);
  if (family === 0) {
    try {
      const found = await lookup(host);
      address = found.address;
      family = found.family;
    } catch (err) {
      throw fail(text, (err as NodeJS.ErrnoException).code ?? 'ENOTFOUND', `: cannot resolve ${host}`);
    }
  }
  const handle = createServerHandle()(address, port, family, undefined, 0);
  if (typeof handle === 'number') throw fail(text, handle);
  const out: { address?: string; port?: number } = {};
  // libuv defers bind errors such as EADDRINUSE to listen(); getsockname reports them now,
  // before a listen() on the unbound socket would pick a random port.
  const err = (handle as unknown as { getsockname(out: object): number }).getsockname(out);
  if (err !== 0) {
    handle.close();
    throw fail(text, err);
  }
  const bound: BindAddress = { kind: 'tcp', host: address, port: out.port ?? port };
  return { address: bound, label: formatBind(bound, scheme), handle, unlinkPath: undefined };
}

function bindFd(text: string, fd: number): BoundListener {
  const handle = createServerHandle()(null, 0, 0, fd, 0);
  if (typeof handle === 'number') throw fail(text, handle);
  const bound: BindAddress = { kind: 'fd', fd };
  return { address: bound, label: formatBind(bound), handle, unlinkPath: undefined };
}

/** Options of {@link bindAll}. */
export interface BindOptions {
  readonly umask: number | null;
  readonly scheme: 'http' | 'https';
  /** fds from systemd socket activation; when non-empty they replace `binds`. */
  readonly inheritedFds: readonly number[];
}

/**
 * Binds every socket, or closes what was bound and throws on the first failure.
 *
 * @example
 * ```ts
 * const listeners = await bindAll(['127.0.0.1:0', 'unix:/tmp/app.sock'], { umask: 0o007, scheme: 'http', inheritedFds: [] });
 * ```
 */
export async function bindAll(binds: readonly string[], options: BindOptions): Promise<BoundListener[]> {
  const out: BoundListener[] = [];
  try {
    if (options.inheritedFds.length > 0) {
      for (const fd of options.inheritedFds) out.push(bindFd(`fd://${fd} (systemd)`, fd));
      return out;
    }
    for (const text of binds) {
      const bind = parseBind(text);
      if (typeof bind === 'string') throw new AppserverError('TSGI_APPSERVER_E_USAGE', `--bind: got ${JSON.stringify(text)}; ${bind}`);
      if (bind.kind === 'unix') out.push(await bindUnix(text, bind.path, options.umask));
      else if (bind.kind === 'tcp') out.push(await bindTcp(text, bind.host, bind.port, options.scheme));
      else out.push(bindFd(text, bind.fd));
    }
    return out;
  } catch (err) {
    closeAll(out);
    throw err;
  }
}

/** Closes the handles and removes the unix socket files this server created (unless `keepFiles`: another master serves them). */
export function closeAll(listeners: readonly BoundListener[], keepFiles = false): void {
  for (const l of listeners) {
    try {
      l.handle.close();
    } catch {
      // already closed
    }
    if (l.unlinkPath !== undefined && !keepFiles) {
      try {
        unlinkSync(l.unlinkPath);
      } catch {
        // already gone
      }
    }
  }
}

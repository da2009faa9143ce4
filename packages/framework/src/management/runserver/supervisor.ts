/**
 * runserver's autoreloader (Django's `autoreload.run_with_reloader`): forks a child process per
 * version of the code, watches the project, and on a change starts the NEW version first. Only
 * when it imported cleanly (syntax, settings, checks) is the old one stopped and the new one told
 * to listen on the same port; a broken edit leaves the last good version serving and prints why.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import type { Output } from '../base.js';
import type { ChildMessage, ChildOptions, ParentMessage } from './child.js';
import { ProjectWatcher } from './watcher.js';

/** Options of {@link runWithReloader}. */
export interface ReloaderOptions {
  readonly child: ChildOptions;
  /** Directories not watched (STATIC_ROOT). */
  readonly ignore: readonly string[];
  readonly stdout: Output;
  readonly stderr: Output;
  /** Resolves when the reloader should stop (tests); SIGINT/SIGTERM also stop it. */
  readonly signal?: AbortSignal;
}

/** Time a stopping version gets to drain before it is killed. */
const STOP_TIMEOUT_MS = 5000;

interface Version {
  readonly process: ChildProcess;
  /** Settles once the child said loaded (true) or failed/exited (false). */
  readonly loaded: Promise<boolean>;
  exited: boolean;
}

/** The child entry point next to this file (.ts under tsx, .js from dist). */
function childEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./child${ext}`, import.meta.url));
}

/** Node flags for the child: ours (tsx's loader, --conditions), plus tsx when we run without it. */
function childExecArgv(appFile: string): string[] {
  const argv = [...process.execArgv];
  const hasTsx = argv.some((a) => a.includes('tsx'));
  if (!hasTsx && /\.[cm]?ts$/.test(appFile)) argv.push('--import', 'tsx');
  return argv;
}

/**
 * Runs the server under the reloader until SIGINT/SIGTERM (or `signal`); resolves to the exit code.
 *
 * @example
 * ```ts
 * await runWithReloader({ child: { project, host, port, static: 'auto', skipChecks: false }, ignore: [], stdout, stderr });
 * ```
 */
export async function runWithReloader(options: ReloaderOptions): Promise<number> {
  const { stdout, stderr } = options;
  const baseDir = options.child.project.baseDir;
  let port = options.child.port;
  let stopping = false;
  let everListened = false;
  /** Ends the reloader with an exit code (signal, or a first start that cannot bind). */
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let current: Version | null = null;
  let candidate: Version | null = null;

  const spawnVersion = (): Version => {
    const child = fork(childEntry(), [], {
      execArgv: childExecArgv(options.child.project.application),
      env: { ...process.env, TSGI_RUNSERVER_OPTIONS: JSON.stringify({ ...options.child, port }) },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    let settle!: (ok: boolean) => void;
    const version: Version = { process: child, loaded: new Promise<boolean>((r) => (settle = r)), exited: false };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'loaded') settle(true);
      else if (message.type === 'failed') {
        settle(false);
        stderr.write(`\n${message.message}\n`);
      } else if (message.type === 'listening') {
        port = message.port;
        everListened = true;
      }
    });
    child.on('exit', (code, sig) => {
      version.exited = true;
      settle(false);
      if (version === current) {
        current = null;
        if (stopping) return;
        if (!everListened) {
          // As Django's "That port is already in use": nothing to keep alive, so give up.
          stderr.write('The server could not start; exiting.\n');
          finish(1);
          return;
        }
        stderr.write(`The server exited (${sig ?? `code ${code}`}). Waiting for file changes to restart it...\n`);
      }
    });
    return version;
  };

  const stopVersion = async (version: Version | null): Promise<void> => {
    if (!version || version.exited) return;
    const exited = new Promise<void>((r) => version.process.once('exit', () => r()));
    if (version.process.connected) version.process.send({ type: 'stop' } satisfies ParentMessage);
    else version.process.kill('SIGTERM');
    const timer = setTimeout(() => version.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const start = async (): Promise<void> => {
    const next = spawnVersion();
    candidate = next;
    const ok = await next.loaded;
    candidate = null;
    if (stopping) {
      await stopVersion(next);
      return;
    }
    if (!ok) {
      stderr.write(current
        ? 'The new code failed to load; the last good version keeps serving. Fix the error and save again.\n'
        : 'Waiting for file changes before trying again...\n');
      await stopVersion(next);
      return;
    }
    const old = current;
    current = next; // before stopping the old one, so its exit is not reported as a crash
    await stopVersion(old);
    if (next.process.connected) next.process.send({ type: 'listen', port } satisfies ParentMessage);
  };

  // One start at a time; edits made while a version loads coalesce into one more start.
  let running = false;
  let again = false;
  const queueStart = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        await start().catch((error: unknown) => stderr.write(`runserver: could not start a new version: ${String(error)}\n`));
      } while (again && !stopping);
      running = false;
    })();
  };
  const watcher = new ProjectWatcher(baseDir, {
    ignore: options.ignore,
    onChange(files) {
      const shown = files.slice(0, 3).map((f) => relative(baseDir, f)).join(', ');
      stdout.write(`${shown}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed, reloading.\n`);
      queueStart();
    },
  });
  await watcher.start();
  stdout.write(`Watching for file changes in ${baseDir} (${watcher.files.length} files)\n`);
  queueStart();

  const onSignal = () => {
    stopping = true;
    finish(0);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const code = await finished;
  // Set before anything else runs, so children exiting on the same Ctrl-C are not reported.
  stopping = true;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  watcher.close();
  await Promise.all([stopVersion(candidate), stopVersion(current)]);
  return code;
}

/**
 * The process runserver's autoreloader forks for each version of the code. Protocol (IPC):
 * child -> parent `{type:'loaded'}` once settings, checks and the app imported fine, or
 * `{type:'failed', message}`; parent -> child `{type:'listen', port}` to start serving (only
 * after the previous version let go of the port); child -> parent `{type:'listening', port}`;
 * parent -> child `{type:'stop'}` (or SIGTERM/SIGINT, or the parent vanishing) to drain and exit.
 * @module
 */
import type { TsgiServer } from 'tsgi';
import { CommandError } from '../base.js';
import type { LoadedProject, ServeProjectOptions } from './serve-project.js';
import { formatError, listenProject, loadProject } from './serve-project.js';

/** Options the parent passes in TSGI_RUNSERVER_OPTIONS. */
export type ChildOptions = Omit<ServeProjectOptions, 'stdout' | 'stderr'>;

/** Messages from the child. */
export type ChildMessage =
  | { type: 'loaded' }
  | { type: 'failed'; message: string }
  | { type: 'listening'; port: number };

/** Messages to the child. */
export type ParentMessage = { type: 'listen'; port: number } | { type: 'stop' };

/** Sends and resolves once the message is handed to the IPC channel (so exiting right after is safe). */
const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

async function main(): Promise<void> {
  const raw = process.env.TSGI_RUNSERVER_OPTIONS;
  if (!raw || !process.send) {
    process.stderr.write('runserver child: started without the autoreloader (TSGI_RUNSERVER_OPTIONS and IPC are required)\n');
    process.exit(2);
  }
  const options: ServeProjectOptions = { ...(JSON.parse(raw) as ChildOptions), stdout: process.stdout, stderr: process.stderr };
  let server: TsgiServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 5000);
    timer.unref();
    try {
      await server?.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());

  // Listen for 'stop' from the start: the parent may give up on this version while it loads.
  let loaded: LoadedProject | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop();
    else if (message.type === 'listen' && loaded && !server && !stopping) {
      listenProject(loaded, { ...options, port: message.port }).then(
        (result) => {
          server = result.server;
          void send({ type: 'listening', port: result.port });
        },
        async (error: unknown) => {
          await send({ type: 'failed', message: `Could not start the server: ${formatError(error)}` });
          process.exit(1);
        },
      );
    }
  });
  try {
    loaded = await loadProject(options);
  } catch (error) {
    // Exit for real: a half-imported app may hold timers or sockets that would keep us alive.
    await send({ type: 'failed', message: error instanceof CommandError ? error.message : formatError(error) });
    process.exit(1);
  }
  if (stopping) return;
  await send({ type: 'loaded' });
}

void main();

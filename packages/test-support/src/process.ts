/**
 * Waiting for a child process to say something (a "listening" line), instead of sleeping or
 * polling its port.
 * @module
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the first match of `pattern` in what `child` prints from now on (stdout and
 * stderr together, whichever are pipes); rejects, with everything it printed, when the child
 * exits first or `timeoutMs` passes. The streams keep flowing afterwards.
 *
 * @example
 * ```ts
 * const child = spawn('gunicorn', ['--bind', '127.0.0.1:0', 'app.wsgi']);
 * const [, port] = await waitForOutput(child, /Listening at: http:\/\/127\.0\.0\.1:(\d+)/, { what: 'gunicorn' });
 * ```
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, options: { timeoutMs?: number; what?: string } = {}): Promise<RegExpExecArray> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const what = options.what ?? 'the child process';
  return new Promise((resolve, reject) => {
    let out = '';
    const streams = [child.stdout, child.stderr].filter((s) => s !== null);
    const settle = (): void => {
      clearTimeout(timer);
      for (const s of streams) s.off('data', onData);
      child.off('exit', onExit);
    };
    const onData = (chunk: Buffer | string): void => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match === null) return;
      settle();
      resolve(match);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      settle();
      reject(new Error(`${what} exited (${code ?? signal}) before printing ${pattern}; it printed:\n${out}`));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} to print ${pattern}; it printed:\n${out}`));
    }, timeoutMs);
    for (const s of streams) s.on('data', onData);
    child.once('exit', onExit);
  });
}

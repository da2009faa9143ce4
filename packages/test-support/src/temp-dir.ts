/**
 * A temporary directory a test removes when done.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Makes a fresh directory under the OS temp dir; `cleanup` removes it and all it holds.
 *
 * @example
 * ```ts
 * const tmp = await tempDir('tsgi-ws-');
 * after(() => tmp.cleanup());
 * ```
 */
export async function tempDir(prefix = 'tsgi-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Anonymous temp files for spilled bodies: created with O_EXCL and mode 0600 in `tempPath`, then
 * unlinked at once, so the data lives only as long as the open descriptor: nothing is left on
 * disk after an abort, a crash or a kill -9.
 * @module
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ProxyError, ProxyErrorCode } from './errors.js';

/** Opens a read-write temp file that is already unlinked. Close the handle to free the space. */
export async function openAnonymousTempFile(dir: string): Promise<FileHandle> {
  const path = join(dir, `tsgi-proxy-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(path, 'wx+', 0o600);
  } catch (err) {
    throw new ProxyError(ProxyErrorCode.TEMP_FILE, `cannot create a temp file in ${dir} (tempPath): ${(err as Error).message}`);
  }
  try {
    await unlink(path);
  } catch (err) {
    await fh.close();
    throw err;
  }
  return fh;
}

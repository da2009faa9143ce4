/**
 * A refusal create-tsgi explains in one line (bad option, missing tarballs, failed install):
 * printed without a stack, exit code 1.
 * @module
 */

/** @example `throw new CreateError('--from packs: no package tarballs')` */
export class CreateError extends Error {
  override readonly name = 'CreateError';
}

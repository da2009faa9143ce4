/**
 * The built-in middleware by name, for `MIDDLEWARE: ['SecurityMiddleware', ...]`.
 * @module
 */
import type { BuiltinMiddlewareName } from '../conf/settings.js';
import type { BuiltinMiddleware } from '../core/types.js';
import { SecurityMiddleware } from './security.js';
import { SessionMiddleware } from './session.js';
import { CommonMiddleware } from './common.js';
import { CsrfViewMiddleware } from './csrf.js';
import { XFrameOptionsMiddleware } from './clickjacking.js';

/**
 * Name -> factory.
 *
 * @example
 * ```ts
 * BUILTIN_MIDDLEWARE.SecurityMiddleware === SecurityMiddleware; // true
 * ```
 */
export const BUILTIN_MIDDLEWARE: Readonly<Record<BuiltinMiddlewareName, BuiltinMiddleware>> & Readonly<Record<string, BuiltinMiddleware | undefined>> = {
  SecurityMiddleware,
  SessionMiddleware,
  CommonMiddleware,
  CsrfViewMiddleware,
  XFrameOptionsMiddleware,
};

/** The built-in factories, which take the handler's error converter (see `BuiltinMiddleware`). */
export const BUILTIN_FACTORIES: ReadonlySet<unknown> = new Set(Object.values(BUILTIN_MIDDLEWARE));

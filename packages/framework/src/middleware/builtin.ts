/**
 * The built-in middleware by name, for `MIDDLEWARE: ['SecurityMiddleware', ...]`.
 * @module
 */
import type { BuiltinMiddlewareName } from '../conf/settings.js';
import type { Middleware } from '../core/types.js';
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
export const BUILTIN_MIDDLEWARE: Readonly<Record<BuiltinMiddlewareName, Middleware>> & Readonly<Record<string, Middleware | undefined>> = {
  SecurityMiddleware,
  SessionMiddleware,
  CommonMiddleware,
  CsrfViewMiddleware,
  XFrameOptionsMiddleware,
};


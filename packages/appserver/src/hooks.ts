/**
 * What the server hooks of a config file receive (Gunicorn's `on_starting(server)`,
 * `when_ready(server)`, `on_exit(server)`).
 * @module
 */
import type { TsgiLogger } from 'tsgi';
import type { AppserverSettings } from './settings.js';

/** The master as a hook sees it. */
export interface ArbiterHookContext {
  /** The effective settings (read-only by convention). */
  readonly settings: Readonly<AppserverSettings>;
  /** The master's process id. */
  readonly pid: number;
  /** The server's error log. */
  readonly log: TsgiLogger;
  /** The sockets being served, as `http://host:port` or `unix:/path` (empty before binding). */
  readonly listeners: readonly string[];
}

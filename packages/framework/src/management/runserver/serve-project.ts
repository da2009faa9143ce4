/**
 * What one runserver process does: load the settings, run the system checks, import the SAME
 * `tsgi.ts` application production serves, put the static files handler in front of it (DEBUG,
 * or --insecure) and serve it with tsgi's reference server `serve()`.
 * @module
 */
import { pathToFileURL } from 'node:url';
import type { TsgiApp, TsgiAppObject, TsgiContext } from 'tsgi';
import { serve } from 'tsgi';
import type { ResolvedSettings } from '../../conf/settings.js';
import { formatCheckReport, runChecks } from '../../conf/checks.js';
import { withStaticFiles } from '../../staticfiles/serve.js';
import type { Output, ProjectContext } from '../base.js';
import { CommandError } from '../base.js';
import { splitAppSpec } from '../app-spec.js';
import { loadSettings } from '../load-settings.js';
import { displayUrl } from './addrport.js';

/** Options of one server process. */
export interface ServeProjectOptions {
  readonly project: ProjectContext;
  readonly host: string;
  readonly port: number;
  /** Serve STATIC_URL from the finders (default: when DEBUG). */
  readonly static: 'auto' | 'never' | 'always';
  readonly skipChecks: boolean;
  readonly stdout: Output;
  readonly stderr: Output;
}

/** A loaded project, before it listens. */
export interface LoadedProject {
  readonly settings: ResolvedSettings;
  readonly app: TsgiAppObject;
}

/**
 * Imports `file.ts:attribute` and checks it is a TSGI app. Throws CommandError with the
 * module's own error (a syntax error names file, line and column).
 */
export async function importApplication(spec: string): Promise<TsgiAppObject> {
  const [file, attribute] = splitAppSpec(spec);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CommandError(`Could not import the application module ${file}:\n${formatError(error)}`);
  }
  const app = (module[attribute] ?? (attribute === 'application' ? module.default : undefined)) as TsgiApp | undefined;
  if (typeof app === 'function') return { fetch: app };
  if (typeof app === 'object' && app !== null && typeof (app as TsgiAppObject).fetch === 'function') return app as TsgiAppObject;
  throw new CommandError(
    `${file} has no TSGI application named '${attribute}' (found ${app === undefined ? 'nothing' : typeof app}). ` +
      'Export it as: export const application = getTsgiApplication(settings);',
  );
}

/** The message of an error, with the first stack frames (where a syntax error is). */
export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return stack.split('\n').slice(0, 8).join('\n');
}

/** Loads settings, runs checks (serious ones throw), imports the app. */
export async function loadProject(options: ServeProjectOptions): Promise<LoadedProject> {
  const settings = await loadSettings(options.project);
  if (!options.skipChecks) {
    options.stdout.write('Performing system checks...\n\n');
    const report = formatCheckReport(await runChecks(settings));
    (report.failed ? options.stderr : options.stdout).write(report.text);
    if (report.failed) throw new CommandError('System checks failed; fix the errors above (runserver restarts when you save).');
  }
  let app = await importApplication(options.project.application);
  const serveStatic = options.static === 'always' || (options.static === 'auto' && settings.DEBUG);
  if (serveStatic) app = withStaticFiles(app, settings);
  return { settings, app: withRequestLog(app, options.stdout) };
}

/** Starts serving a loaded project; resolves with the server once it listens. */
export async function listenProject(loaded: LoadedProject, options: ServeProjectOptions) {
  const server = await serve(loaded.app, { host: options.host, port: options.port });
  const port = server.address.port;
  const now = new Date();
  options.stdout.write(
    `${now.toLocaleString('en-US', { month: 'long', day: 'numeric', year: 'numeric' })} - ${now.toTimeString().slice(0, 8)}\n` +
      `tsgi-framework, using settings '${options.project.settingsPath}'\n` +
      `Starting development server at ${displayUrl(options.host, port)}\n` +
      'Quit the server with CONTROL-C.\n',
  );
  return { server, port };
}

/** Django's dev-server access log line: `[26/Nov/2026 00:42:30] "GET / HTTP/1.1" 200 1234`. */
function withRequestLog(app: TsgiAppObject, out: Output): TsgiAppObject {
  const logged: TsgiAppObject = {
    fetch(request: Request, context: TsgiContext) {
      const url = new URL(request.url);
      void context.completed.then((done) => {
        const t = new Date();
        const stamp = `${String(t.getDate()).padStart(2, '0')}/${t.toLocaleString('en-US', { month: 'short' })}/${t.getFullYear()} ${t.toTimeString().slice(0, 8)}`;
        out.write(`[${stamp}] "${request.method} ${url.pathname}${url.search} ${context.protocol}" ${done.status} ${done.bytesWritten}${done.aborted ? ' (aborted)' : ''}\n`);
      });
      return app.fetch(request, context);
    },
  };
  if (app.startup) logged.startup = app.startup.bind(app);
  if (app.shutdown) logged.shutdown = app.shutdown.bind(app);
  return logged;
}

/**
 * `runserver [ADDR:PORT]`: the development server. Loads the same `tsgi.ts` application
 * production serves, with tsgi's reference server; restarts on code changes (keeping the last
 * good version up when an edit does not load) and serves static files while DEBUG is on.
 * @module
 */
import { defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';
import { parseAddrPort } from '../runserver/addrport.js';
import type { ServeProjectOptions } from '../runserver/serve-project.js';
import { listenProject, loadProject } from '../runserver/serve-project.js';
import { runWithReloader } from '../runserver/supervisor.js';

export default defineCommand({
  name: 'runserver',
  help: 'Starts a lightweight web server for development (tsgi serve()), restarting it when a source file changes, and serves static files when DEBUG is on.',
  requiresProject: true,
  args: [{ name: 'addrport', help: 'Optional port number, or ipaddr:port (default 127.0.0.1:8000).', optional: true }],
  options: [
    { name: 'noreload', type: 'boolean', help: 'Do not restart the server when code changes.' },
    { name: 'nostatic', type: 'boolean', help: 'Do not serve static files from STATIC_URL.' },
    { name: 'insecure', type: 'boolean', help: 'Serve static files even when DEBUG is false.' },
    { name: 'skip-checks', type: 'boolean', help: 'Skip the system checks.' },
  ],
  async handle({ project, stdout, stderr }, { args, options }) {
    const { host, port } = parseAddrPort(args.addrport);
    const staticMode = options.nostatic ? 'never' : options.insecure ? 'always' : 'auto';
    const child = { project: project!, host, port, static: staticMode, skipChecks: options['skip-checks'] === true } as const;
    if (options.noreload) {
      const serveOptions: ServeProjectOptions = { ...child, stdout, stderr };
      const { server } = await listenProject(await loadProject(serveOptions), serveOptions);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      return 0;
    }
    // STATIC_ROOT is output, not source: never reload because collectstatic wrote there.
    let ignore: string[] = [];
    try {
      const settings = await loadSettings(project!);
      if (settings.STATIC_ROOT) ignore = [settings.STATIC_ROOT];
    } catch {
      // the child reports broken settings itself, and the reloader waits for the fix
    }
    return runWithReloader({ child, ignore, stdout, stderr });
  },
});

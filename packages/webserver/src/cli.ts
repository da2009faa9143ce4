/**
 * The `tsgi-webserver` command.
 *
 * ```
 * tsgi-webserver [-c FILE]             serve FILE (default ./tsgi-webserver.toml)
 * tsgi-webserver -t [-c FILE]          check FILE and exit, as nginx -t
 * tsgi-webserver -s reload|reopen|quit|stop [-c FILE]   signal the running master (pid file)
 * tsgi-webserver file-server --listen ADDR --root DIR [--browse] [--workers N]
 * tsgi-webserver reverse-proxy --listen ADDR --to HOST:PORT [--to ...] [--static /p/=DIR] [--client-max-body-size SIZE]
 * tsgi-webserver --help-config         every config key, generated from the settings table
 * ```
 * @module
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from './config/errors.js';
import { loadConfig, loadConfigText } from './config/load.js';
import { renderSettingsDocs } from './config/settings.js';
import type { Config } from './config/types.js';
import { runMaster } from './master/master.js';
import { WORKER_ENV } from './master/messages.js';
import { runWorker } from './master/worker.js';
import { fileServerConfig, reverseProxyConfig, UsageError } from './quick-forms.js';
import { WebServer } from './server/web-server.js';

const USAGE = `usage:
  tsgi-webserver [-c FILE]                      serve FILE (default ./tsgi-webserver.toml)
  tsgi-webserver -t [-c FILE]                   test the configuration and exit (like nginx -t)
  tsgi-webserver -s reload|reopen|quit|stop [-c FILE]
                                                signal the running master through its pid file
  tsgi-webserver file-server [--listen 127.0.0.1:8080] --root DIR [--browse] [--precompressed]
                             [--compress] [--workers N|auto] [--access-log PATH|stdout] (default: none)
  tsgi-webserver reverse-proxy [--listen 127.0.0.1:8080] --to HOST:PORT [--to HOST:PORT ...]
                             [--static /PREFIX/=DIR ...] [--client-max-body-size SIZE|off] (default: 1m)
                             [--workers N|auto] [--access-log ...]
  tsgi-webserver --help-config                  list every config key
  tsgi-webserver --version

signals to the master: HUP reload, USR1 reopen logs, QUIT graceful stop, TERM/INT fast stop`;

const SIGNALS: Record<string, NodeJS.Signals> = { reload: 'SIGHUP', reopen: 'SIGUSR1', quit: 'SIGQUIT', stop: 'SIGTERM' };

/**
 * Runs the command; resolves with the exit code.
 * @example
 * ```ts
 * process.exitCode = await main(['-t', '-c', 'site.toml']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (cluster.isWorker && process.env[WORKER_ENV]) return runWorker();
  try {
    return await run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tsgi-webserver: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`tsgi-webserver: [emerg] ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tsgi-webserver: [emerg] ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'file-server' || first === 'reverse-proxy') {
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const text = first === 'file-server' ? fileServerConfig(rest) : reverseProxyConfig(rest);
    return serve(await loadConfigText(text, `<${first}>`), text);
  }

  let file = 'tsgi-webserver.toml';
  let test = false;
  let signal: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (a === '-v' || a === '--version') {
      const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`tsgi-webserver ${pkg.version}\n`);
      return 0;
    }
    if (a === '--help-config') {
      process.stdout.write(renderSettingsDocs());
      return 0;
    }
    if (a === '-t' || a === '--test-config') test = true;
    else if (a === '-c' || a === '--config') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a file`);
      file = v;
    } else if (a.startsWith('--config=')) file = a.slice(9);
    else if (a === '-s' || a === '--signal') {
      signal = argv[++i];
      if (signal === undefined || !(signal in SIGNALS)) throw new UsageError(`-s takes one of ${Object.keys(SIGNALS).join(', ')}`);
    } else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  const path = resolve(file);
  if (test) {
    try {
      const config = await loadConfig(path);
      for (const w of config.warnings) process.stderr.write(`tsgi-webserver: [warn] ${w}\n`);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`tsgi-webserver: [emerg] ${err.message}\ntsgi-webserver: configuration file ${path} test failed\n`);
        return 1;
      }
      throw err;
    }
    process.stderr.write(`tsgi-webserver: the configuration file ${path} syntax is ok\ntsgi-webserver: configuration file ${path} test is successful\n`);
    return 0;
  }
  const config = await loadConfig(path);
  if (signal !== undefined) return sendSignal(config, signal);
  for (const w of config.warnings) process.stderr.write(`tsgi-webserver: [warn] ${w}\n`);
  return serve(config, await readFile(path, 'utf8'));
}

async function sendSignal(config: Config, name: string): Promise<number> {
  if (!config.pid) throw new UsageError('-s needs `pid = "/path/file.pid"` in the config file');
  const text = await readFile(config.pid, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    process.stderr.write(`tsgi-webserver: [error] no valid pid in ${config.pid}; is the server running?\n`);
    return 1;
  }
  process.kill(pid, SIGNALS[name]);
  return 0;
}

/** Serves a config: through a master and workers, or in this process (`master_process = false`). */
async function serve(config: Config, text: string): Promise<number> {
  const announce = (addresses: ReadonlyArray<{ key: string; port?: number; host?: string; path?: string; ssl: boolean }>) => {
    for (const a of addresses) {
      const where = a.path !== undefined ? `unix:${a.path}` : `${a.ssl ? 'https' : 'http'}://${a.host?.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
      process.stderr.write(`tsgi-webserver: listening on ${where}\n`);
    }
  };
  if (config.masterProcess) return runMaster(config, text, { onReady: announce });
  const server = await WebServer.start(config);
  announce(server.addresses());
  return new Promise((resolveExit) => {
    const handlers: Array<[NodeJS.Signals, () => void]> = [
      ['SIGQUIT', () => stop(true)],
      ['SIGTERM', () => stop(false)],
      ['SIGINT', () => stop(false)],
      ['SIGUSR1', () => server.reopenLogs()],
      // Without the master there is no second generation of workers to take over the sockets.
      ['SIGHUP', () => server.errorLog.log('warn', 'HUP ignored: reloading needs master_process = true (the default); restart this process instead')],
    ];
    let done = false;
    const stop = (graceful: boolean) => {
      if (done) return;
      done = true;
      for (const [sig, h] of handlers) process.off(sig, h);
      void (graceful ? server.drain(config.shutdownTimeoutMs) : server.close()).then(() => resolveExit(0));
    };
    for (const [sig, h] of handlers) process.on(sig, h);
  });
}

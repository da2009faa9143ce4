/**
 * The conformance kit's harness for tsgi-appserver: each server is a real master process that
 * loads the probe module from its file, started with the options the case's config maps to.
 * @module
 */
import type { ProbeServerConfig, ServerHarness } from 'tsgi/conformance';
import { startAppserver } from './spawn-appserver.js';

/** The command-line options that give a server the configuration a conformance case asks for. */
export function optionsFor(config: ProbeServerConfig): string[] {
  const args = ['--forwarded-allow-ips', config.trustedProxies.join(','), '--mount', config.mountPath, '--graceful-timeout', '5'];
  const l = config.limits;
  if (l.maxBodyBytes !== undefined) args.push('--limit-request-body', String(l.maxBodyBytes));
  if (l.maxRequestLineBytes !== undefined) args.push('--limit-request-line', String(l.maxRequestLineBytes));
  if (l.maxHeaderCount !== undefined) args.push('--limit-request-fields', String(l.maxHeaderCount));
  if (l.maxHeaderFieldBytes !== undefined) args.push('--limit-request-field-size', String(l.maxHeaderFieldBytes));
  if (l.headersTimeoutMs !== undefined) args.push('--header-timeout', String(l.headersTimeoutMs / 1000));
  if (l.bodyTimeoutMs !== undefined) args.push('--body-timeout', String(l.bodyTimeoutMs / 1000));
  if (l.keepAliveTimeoutMs !== undefined) args.push('--keep-alive', String(l.keepAliveTimeoutMs / 1000));
  const ws = config.websocket ?? {};
  if (ws.maxMessageBytes !== undefined) args.push('--websocket-max-message', String(ws.maxMessageBytes));
  if (ws.pingIntervalMs !== undefined) args.push('--websocket-ping-interval', String(ws.pingIntervalMs / 1000));
  if (ws.idleTimeoutMs !== undefined) args.push('--websocket-idle-timeout', String(ws.idleTimeoutMs / 1000));
  if (ws.maxBufferedBytes !== undefined) args.push('--websocket-max-buffered', String(ws.maxBufferedBytes));
  return args;
}

/** A harness running tsgi-appserver with `workers` workers. */
export function appserverHarness(workers: number): ServerHarness {
  const started: { output(): string }[] = [];
  return {
    async start(probe, config) {
      // The probe module's exports are TSGI apps by contract; a bare fetch(request, context)
      // function has the shape of a (req, res) listener, so auto-detection would refuse it.
      const server = await startAppserver(['-w', String(workers), '--interface', 'tsgi', ...optionsFor(config), `${probe.module}:${probe.exportName}`]);
      started.push(server);
      return {
        url: server.url,
        close: async () => {
          await server.stop('SIGTERM');
        },
      };
    },
    // The error log as entries: each starts with `[time] [pid] [LEVEL]`; stack lines continue it.
    errorLog: () => started.flatMap((server) => server.output().split(/\n(?=\[)/)),
  };
}

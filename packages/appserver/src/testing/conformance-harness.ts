/**
 * The conformance kit's harness for tsgi-appserver: each server is a real master process that
 * loads the probe module from its file, started with the options the case's config maps to.
 * @module
 */
import type { ProbeServerConfig, ServerHarness } from 'tsgi/conformance';
import { startAppserver } from './spawn-appserver.js';

/**
 * Failures that belong to toNodeListener (packages/tsgi), not to this server: the same cases
 * tsgi's own serve() lists. Reported as todo until the adapter is fixed; they then pass.
 */
export const ADAPTER_TODO: Readonly<Record<string, string>> = {
  'S-FIX invalid/011': 'adapter (toNodeListener): two Host fields are accepted; RFC 9112 3.2 requires 400',
  'S-FIX invalid/013': 'adapter (toNodeListener): node accepts an HTTP/0.9 request line without a version; must be 400',
  'S-FIX invalid/015': 'adapter (toNodeListener): Transfer-Encoding not ending in chunked reaches the app; RFC 9112 6.3 requires 400',
  'S-STREAM-LIVE': 'adapter (toNodeListener): the first chunk of a live stream is held until a second arrives',
  'S-CLIENT-GONE': 'adapter (toNodeListener): same cause as S-STREAM-LIVE',
  'S-ERR-AFTER-COMMIT': 'adapter (toNodeListener): same cause as S-STREAM-LIVE; a later body error becomes a 500',
  'S-ERR-STATUS-TEXT': 'adapter (toNodeListener): a status text with CR LF is not refused',
  'S-ERR-HEADER': 'adapter (toNodeListener): a header value with CR LF is not always refused',
};

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
  return args;
}

/** A harness running tsgi-appserver with `workers` workers. */
export function appserverHarness(workers: number): ServerHarness {
  return {
    todo: ADAPTER_TODO,
    async start(probe, config) {
      const server = await startAppserver(['-w', String(workers), ...optionsFor(config), `${probe.module}:${probe.exportName}`]);
      return {
        url: server.url,
        close: async () => {
          await server.stop('SIGTERM');
        },
      };
    },
  };
}

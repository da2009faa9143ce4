/**
 * The conformance kit against tsgi's own reference server, `serve()`: every case must pass (no
 * todo, no skip). A case that fails because of an adapter bug goes into `todo` with the exact
 * behaviour seen, until it is fixed.
 */
import { serve } from '../serve.js';
import type { TsgiLogger } from '../types.js';
import { describeServerConformance } from './index.js';

const errors: string[] = [];

describeServerConformance('serve()', {
  async start(probe, config) {
    const server = await serve(probe.app, { port: 0, shutdownTimeoutMs: 5_000, log: capturingLog(errors), ...config });
    return { url: server.url, close: () => server.close() };
  },
  errorLog: () => errors,
});

/** Keeps the expected error logs (the probe misbehaves on purpose) out of the output, and captures errors for S-ERR-LOG. */
function capturingLog(into: string[]): TsgiLogger {
  const ignore = () => undefined;
  const keep = (message: string, ...details: unknown[]) => {
    into.push([message, ...details.map((d) => (d instanceof Error ? (d.stack ?? String(d)) : String(d)))].join('\n'));
  };
  return { debug: ignore, info: ignore, warn: ignore, error: keep };
}

/**
 * The conformance kit against tsgi's own reference server, `serve()`: every case must pass (no
 * todo, no skip). A case that fails because of an adapter bug goes into `todo` with the exact
 * behaviour seen, until it is fixed.
 */
import { serve } from '../serve.js';
import { capturingLog } from './testdata/capturing-log.js';
import { describeServerConformance } from './index.js';

const errors: string[] = [];

describeServerConformance('serve()', {
  async start(probe, config) {
    const server = await serve(probe.app, { port: 0, shutdownTimeoutMs: 5_000, log: capturingLog(errors), ...config });
    return { url: server.url, close: () => server.close() };
  },
  errorLog: () => errors,
});

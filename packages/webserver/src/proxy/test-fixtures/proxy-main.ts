/**
 * The proxy in its own process, for tests that measure its memory: argv[2] is a JSON
 * `{ "port": upstreamPort, "options": Partial<ProxyPassOptions> }`. Sends `{ port }` over IPC when
 * listening and answers the message `'rss'` with `{ maxRssBytes }` (peak resident set size).
 * @module
 */
import { createProxy } from '../index.js';
import type { ProxyPassOptions } from '../options.js';
import { passOptions, serverOptions, startFront } from './helpers.js';

const { port, options } = JSON.parse(process.argv[2] ?? '{}') as { port: number; options?: Partial<ProxyPassOptions> };
const proxy = createProxy(passOptions([serverOptions('upstream', port)], options));
const front = await startFront(proxy);
process.send?.({ port: front.port });
process.on('message', (m) => {
  if (m === 'rss') process.send?.({ maxRssBytes: process.resourceUsage().maxRSS * 1024, stats: proxy.stats() });
});
process.on('disconnect', () => {
  void front.close().then(() => proxy.close()).then(() => process.exit(0));
});

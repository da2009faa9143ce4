/**
 * collectstatic for the demo into a directory of the caller's choosing (`npm start` uses a temp
 * dir, so running the chain never writes into the checkout). The same copy `npx tsx manage.ts
 * collectstatic` makes into the project's STATIC_ROOT, with only STATIC_ROOT replaced.
 *
 *   node --import tsx examples/chain/collectstatic.ts /tmp/tsgi-demo-static
 * @module
 */
import { resolve } from 'node:path';
import { collectStatic } from 'tsgi-framework/management';
import { settings } from '../mysite/mysite/settings.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: collectstatic.ts STATIC_ROOT\n');
  process.exit(2);
}
const result = await collectStatic({ ...settings, STATIC_ROOT: resolve(target) });
process.stdout.write(
  `${result.copied.length} static files copied to '${result.root}', ${result.unmodified.length} unmodified.\n`,
);

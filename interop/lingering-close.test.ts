/**
 * tsgi-webserver in front of tsgi-appserver, both real processes: an app that answers 403 before
 * reading a 3 MB upload. The appserver's close lingers, so the web server's proxy, still sending
 * the body (buffered first, or streamed with proxy_request_buffering = false), passes the 403 on:
 * five POSTs, five 403s, never a 502 or a reset. (nginx and Apache in front: the appserver's own
 * lingering-close test.)
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from 'tsgi-test-support';
import { startAppserver, tempProject, type AppserverProcess } from '../packages/appserver/src/testing/spawn-appserver.js';
import type { FrontProcess } from './support/front-process.js';
import { startWebserver } from './support/webserver.js';

const MB3 = 3 * 1024 * 1024;

describe('tsgi-webserver -> tsgi-appserver: an early 403 on 3 MB uploads', () => {
  let project: ReturnType<typeof tempProject>;
  let appserver: AppserverProcess & { url: string };
  let webserver: FrontProcess | undefined;
  let port: number;
  before(async () => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), `export const application = () => new Response('Forbidden', { status: 403 });\n`);
    appserver = await startAppserver(['app.ts'], { cwd: project.dir });
    port = await freePort();
    webserver = await startWebserver(
      `master_process = false
error_log = "stderr"
client_max_body_size = "10m"

[[server]]
listen = "127.0.0.1:${port}"

  [[server.location]]
  path = "/buffered/"
  proxy_pass = "${appserver.url}"

  [[server.location]]
  path = "/streamed/"
  proxy_pass = "${appserver.url}"
  proxy_request_buffering = false
`,
    );
  });
  after(async () => {
    await webserver?.stop();
    await appserver?.stop();
    project?.remove();
  });

  for (const mode of ['buffered', 'streamed'] as const) {
    it(`${mode}: five POSTs, five 403s`, async () => {
      const body = Buffer.alloc(MB3, 0x61);
      const outcomes: Array<number | string> = [];
      for (let i = 0; i < 5; i++) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/${mode}/csrf`, { method: 'POST', body });
          await response.arrayBuffer();
          outcomes.push(response.status);
        } catch (error) {
          outcomes.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
        }
      }
      assert.deepEqual(outcomes, [403, 403, 403, 403, 403], webserver!.output());
    });
  }
});

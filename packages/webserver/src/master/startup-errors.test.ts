import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../testing/helpers.js';
import { tempDir } from 'tsgi-test-support';

describe('startup failures are reported and exit 1', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let blocker: Server;
  let port: number;
  before(async () => {
    tmp = await tempDir();
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => blocker.close(r));
    await tmp.cleanup();
  });

  for (const master of [true, false]) {
    it(`a port in use (${master ? 'master and workers' : 'single process'})`, async () => {
      const conf = join(tmp.dir, `busy-${master}.toml`);
      await writeFile(conf, `master_process = ${master}\nworkers = 2\n[[server]]\nlisten = "127.0.0.1:${port}"\n`);
      const r = await runCli(['-c', conf]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    });
  }

  it('a certificate that does not match its key', async () => {
    const { makeCert } = await import('../testing/certs.js');
    const a = await makeCert(tmp.dir, 'a.test');
    const b = await makeCert(tmp.dir, 'b.test');
    const conf = join(tmp.dir, 'mismatch.toml');
    await writeFile(conf, `master_process = false\n[[server]]\nlisten = "127.0.0.1:0 ssl"\nssl_certificate = "${a.cert}"\nssl_certificate_key = "${b.key}"\n`);
    const r = await runCli(['-c', conf]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mismatch\.toml:4: ssl_certificate: cannot load .*a\.test\.pem with key .*b\.test\.key/);
    const t = await runCli(['-t', '-c', conf]);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /test failed/);
  });
});

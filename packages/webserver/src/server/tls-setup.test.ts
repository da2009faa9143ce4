import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError } from '../config/errors.js';
import { loadConfigText, parseConfigText } from '../config/load.js';
import { MOZILLA_INTERMEDIATE_CIPHERS } from '../config/settings.js';
import type { WebServer } from './web-server.js';
import { makeCert } from '../testing/certs.js';
import { startFromText } from '../testing/helpers.js';
import { tlsRequest } from '../testing/tls-client.js';
import { tempDir } from 'tsgi-test-support';

const run = promisify(execFile);

describe('TLS defaults: versions, ciphers, ALPN', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let cert: { cert: string; key: string };
  const servers: WebServer[] = [];
  const start = async (top: string, listen = '127.0.0.1:0 ssl http2'): Promise<number> => {
    const s = await startFromText(`${top}
[[server]]
listen = "${listen}"
server_name = ["a.test"]
ssl_certificate = "${cert.cert}"
ssl_certificate_key = "${cert.key}"
return = "200 ok"
`);
    servers.push(s);
    return s.addresses()[0]!.port!;
  };
  let port: number;

  before(async () => {
    tmp = await tempDir();
    cert = await makeCert(tmp.dir, 'a.test');
    port = await start('');
  });
  after(async () => {
    for (const s of servers) await s.close();
    await tmp.cleanup();
  });

  it('speaks TLS 1.3 by default and TLS 1.2 with a cipher of the Mozilla intermediate list', async () => {
    assert.equal((await tlsRequest(port)).protocol, 'TLSv1.3');
    const tls12 = await tlsRequest(port, { maxVersion: 'TLSv1.2' });
    assert.equal(tls12.protocol, 'TLSv1.2');
    assert.ok(MOZILLA_INTERMEDIATE_CIPHERS.split(':').includes(tls12.cipher), tls12.cipher);
  });

  it('refuses a TLS 1.2 client whose ciphers are all outside the list (static RSA, CBC)', async () => {
    await assert.rejects(tlsRequest(port, { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA256' }), /handshake failure|no shared cipher|alert/i);
  });

  it('ssl_protocols = "TLSv1.3" refuses a TLS 1.2 client', async () => {
    const only13 = await start('ssl_protocols = "TLSv1.3"');
    assert.equal((await tlsRequest(only13)).protocol, 'TLSv1.3');
    await assert.rejects(tlsRequest(only13, { maxVersion: 'TLSv1.2' }), /protocol version|alert|unsupported/i);
  });

  it('picks the client\'s preferred TLS 1.2 cipher, or the server\'s with ssl_prefer_server_ciphers', async () => {
    const offer = { maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256', honorCipherOrder: true };
    assert.equal((await tlsRequest(port, offer)).cipher, 'ECDHE-RSA-AES256-GCM-SHA384', 'the client\'s first');
    const serverOrder = await start('ssl_prefer_server_ciphers = true');
    assert.equal((await tlsRequest(serverOrder, offer)).cipher, 'ECDHE-RSA-AES128-GCM-SHA256', 'the server\'s first (Mozilla lists AES128 before AES256)');
  });

  it('ALPN: h2 for a client offering h2 (as browsers do), http/1.1 for one offering only that, or nothing', async () => {
    const h2 = await tlsRequest(port, { ALPNProtocols: ['h2', 'http/1.1'], path: undefined });
    assert.equal(h2.alpn, 'h2');
    const h1 = await tlsRequest(port, { ALPNProtocols: ['http/1.1'] });
    assert.deepEqual([h1.alpn, h1.body], ['http/1.1', 'ok']);
    const none = await tlsRequest(port);
    assert.deepEqual([none.alpn, none.body], [false, 'ok']);
    const { stdout } = await run('curl', ['-sk', '--http1.1', '--max-time', '20', '-w', ' %{http_version}', '--resolve', `a.test:${port}:127.0.0.1`, `https://a.test:${port}/`], { timeout: 30_000 });
    assert.equal(stdout, 'ok 1.1', 'curl --http1.1');
    const { stdout: two } = await run('curl', ['-sk', '--http2', '--max-time', '20', '-w', ' %{http_version}', '--resolve', `a.test:${port}:127.0.0.1`, `https://a.test:${port}/`], { timeout: 30_000 });
    assert.equal(two, 'ok 2', 'curl --http2');
  });

  it('ALPN on an ssl port without http2: http/1.1 even for a client that prefers h2', async () => {
    const h1only = await start('', '127.0.0.1:0 ssl');
    const r = await tlsRequest(h1only, { ALPNProtocols: ['h2', 'http/1.1'] });
    assert.deepEqual([r.alpn, r.body], ['http/1.1', 'ok']);
  });
});

describe('TLS settings: validated with the line and the key', () => {
  const server = '[[server]]\nlisten = "127.0.0.1:0 ssl"\nssl_certificate = "/c.pem"\nssl_certificate_key = "/k.pem"\n';
  const fails = (text: string): ConfigError => {
    try {
      parseConfigText(text, '/etc/site.toml');
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    assert.fail('the config was accepted');
  };
  const cases: Array<{ text: string; line: number; key: string; says: RegExp }> = [
    { text: `workers = 1\nssl_protocols = "TLSv1.1 TLSv1.2"\n${server}`, line: 2, key: 'ssl_protocols', says: /TLSv1\.1 is not offered: RFC 8996/ },
    { text: `ssl_protocols = ["TLSv1.2", "TLS1.3"]\n${server}`, line: 1, key: 'ssl_protocols', says: /unknown protocol "TLS1\.3"/ },
    { text: `ssl_ciphers = "NOT-A-CIPHER"\n${server}`, line: 1, key: 'ssl_ciphers', says: /OpenSSL refuses the cipher list "NOT-A-CIPHER"/ },
    { text: `\nssl_session_timeout = "8d"\n${server}`, line: 2, key: 'ssl_session_timeout', says: /1s to 7d/ },
    { text: `ssl_session_tickets = "on"\n${server}`, line: 1, key: 'ssl_session_tickets', says: /expected true or false/ },
    { text: `${server}ssl_session_timeout = "1h"\n`, line: 5, key: 'ssl_session_timeout', says: /unknown key in \[\[server\]\]/ },
    { text: `${server}[[server.location]]\npath = "/"\nssl_stapling = true\n`, line: 7, key: 'ssl_stapling', says: /unknown key in \[\[server\.location\]\]/ },
  ];
  for (const c of cases) {
    it(`${c.key}: ${c.says.source}`, () => {
      const e = fails(c.text);
      assert.equal(e.key, c.key, e.message);
      assert.equal(e.line, c.line, e.message);
      assert.match(e.message, c.says);
    });
  }

  it('defaults: TLS 1.2 and 1.3, Mozilla intermediate, client cipher order, tickets for an hour', () => {
    const config = parseConfigText(server, '/etc/site.toml');
    assert.deepEqual(config.ssl, { protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: MOZILLA_INTERMEDIATE_CIPHERS, preferServerCiphers: false, sessionTickets: true, sessionTimeoutMs: 3_600_000, ticketKeyFiles: [] });
  });

  it('a ticket key file must be 48 bytes, and readable (nginx -t checks the same)', async () => {
    const tmp = await tempDir();
    try {
      const cert = await makeCert(tmp.dir, 'a.test');
      const site = (keyFile: string) => `ssl_session_ticket_key = ["${keyFile}"]\n[[server]]\nlisten = "127.0.0.1:0 ssl"\nssl_certificate = "${cert.cert}"\nssl_certificate_key = "${cert.key}"\n`;
      await writeFile(join(tmp.dir, 'long.key'), Buffer.alloc(80));
      await assert.rejects(loadConfigText(site(join(tmp.dir, 'long.key')), '/etc/site.toml'), (e: ConfigError) => {
        assert.equal(e.line, 1);
        assert.match(e.message, /ssl_session_ticket_key: .*long\.key holds 80 bytes; a ticket key is 48 \(make one with: openssl rand 48 > .*\); 80-byte \(AES-256\) keys are not supported/);
        return true;
      });
      await assert.rejects(loadConfigText(site(join(tmp.dir, 'missing.key')), '/etc/site.toml'), /site\.toml:1: ssl_session_ticket_key: cannot read .*missing\.key/);
    } finally {
      await tmp.cleanup();
    }
  });
});

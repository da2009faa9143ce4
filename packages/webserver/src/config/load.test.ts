import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfigText } from './load.js';
import { MOZILLA_INTERMEDIATE_CIPHERS, renderSettingsDocs, settingDefault, SETTINGS } from './settings.js';
import { runCli } from '../testing/helpers.js';
import { tempDir } from 'tsgi-test-support';

function configError(text: string): ConfigError {
  try {
    parseConfigText(text, '/etc/site.toml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the config to be rejected');
}

const FULL = `workers = "auto"
access_log = "stdout"
access_log_format = "json"
client_max_body_size = "2m"
large_client_header_buffers = "4 16k"

[[upstream]]
name = "app"
server = ["127.0.0.1:8000 weight=3 max_fails=2 fail_timeout=5s", "unix:/run/app.sock backup", { address = "10.0.0.2:8000", max_conns = 10 }]
balance = "least_conn"
keepalive = 16
health_check = { interval = "2s", path = "/healthz", expect_status = [200, 204], rise = 1, fall = 2, host = "app.example" }

[[server]]
listen = ["8080", "[::1]:8080 default_server", "unix:/tmp/web.sock"]
server_name = ["example.com", "*.example.com"]
root = "/srv/www"
add_header = { "X-Frame-Options" = "DENY" }

  [[server.location]]
  path = "^~ /static/"
  alias = "/srv/static/"
  expires = "30d"
  precompressed = true
  gzip = true

  [[server.location]]
  path = "/api/"
  proxy_pass = "http://app/v1/"
  proxy_set_header = { "X-Env" = "prod" }
  proxy_read_timeout = "5s"
  client_max_body_size = "10m"

  [[server.location]]
  path = "~* \\\\.php$"
  return = 403

  [[server.location]]
  path = "/legacy"
  proxy_pass = "http://127.0.0.1:9000"
`;

describe('config: a full file', () => {
  it('produces the proxy contract, static options, listeners and limits', () => {
    const c = parseConfigText(FULL, '/etc/site.toml');
    assert.equal(c.workers, availableParallelism(), 'workers = "auto" uses the cores');
    assert.equal(c.accessLogFormat, 'json');
    assert.equal(c.limits.headerBufferSize, 16 * 1024);
    assert.equal(c.limits.headerBuffersTotal, 64 * 1024);
    const s = c.servers[0]!;
    assert.deepEqual(s.listen.map((l) => l.key), ['0.0.0.0:8080', '[::1]:8080', 'unix:/tmp/web.sock']);
    assert.equal(s.listen[1]!.defaultServer, true);
    const [stat, api, php, legacy] = s.locations;
    assert.equal(stat!.match, 'prefix-stop');
    assert.deepEqual({ alias: stat!.static?.alias, aliasPrefix: stat!.static?.aliasPrefix, expires: stat!.static?.expires }, { alias: '/srv/static/', aliasPrefix: '/static/', expires: 30 * 86400 });
    assert.deepEqual(stat!.static?.compress, { encodings: ['gzip'], minLength: 1024 });
    assert.deepEqual(stat!.addHeader, [['X-Frame-Options', 'DENY']]);
    assert.equal(api!.clientMaxBodySize, 10 * 1024 * 1024);
    assert.equal(s.fallback.clientMaxBodySize, 2 * 1024 * 1024);
    const up = api!.proxy!.upstream;
    assert.equal(up, c.upstreams.get('app'));
    assert.deepEqual(up.servers[0], { name: '127.0.0.1:8000', address: { kind: 'tcp', host: '127.0.0.1', port: 8000 }, weight: 3, maxFails: 2, failTimeoutMs: 5000, backup: false, down: false, maxConns: 0 });
    assert.deepEqual(up.servers[1]!.address, { kind: 'unix', path: '/run/app.sock' });
    assert.equal(up.servers[1]!.backup, true);
    assert.equal(up.servers[2]!.maxConns, 10);
    assert.equal(up.balance, 'least_conn');
    assert.equal(up.keepalive, 16);
    assert.equal(up.healthCheck?.intervalMs, 2000);
    assert.deepEqual(up.healthCheck?.expectStatus, [200, 204]);
    assert.equal(up.healthCheck?.host, 'app.example');
    assert.equal(api!.proxy!.uri, '/v1/');
    assert.deepEqual(api!.proxy!.setHeaders, { 'X-Env': 'prod' });
    assert.equal(api!.proxy!.readTimeoutMs, 5000);
    assert.equal(api!.proxy!.connectTimeoutMs, 60_000);
    assert.equal(api!.proxy!.requestBuffering, true);
    assert.equal(api!.proxy!.tempPath, tmpdir(), 'the proxy contract gets the OS temp dir, never ""');
    assert.equal(php!.match, 'regex');
    assert.ok(php!.regex!.test('/X.PHP'));
    assert.deepEqual(php!.return, { status: 403 });
    assert.equal(legacy!.proxy!.upstream.name, '127.0.0.1:9000');
    assert.equal(legacy!.proxy!.uri, undefined);
    assert.equal(legacy!.proxy!.upstream.servers.length, 1);
  });
});

describe('config: errors name file, line and key and say what is allowed', () => {
  const cases: Array<{ name: string; text: string; line: number; key?: string; code: string; says: RegExp }> = [
    { name: 'unknown top-level key', text: 'workers = 2\nwrokers = 3\n[[server]]\n', line: 2, key: 'wrokers', code: 'WS_CONFIG_UNKNOWN_KEY', says: /did you mean "workers"\?.*Allowed here: .*access_log/ },
    { name: 'unknown location key', text: '[[server]]\nlisten = "80"\n[[server.location]]\npath = "/"\nrooot = "/srv"\n', line: 5, key: 'rooot', code: 'WS_CONFIG_UNKNOWN_KEY', says: /did you mean "root"/ },
    { name: 'bad size', text: 'client_max_body_size = "lots"\n[[server]]\n', line: 1, key: 'client_max_body_size', code: 'WS_CONFIG_BAD_VALUE', says: /expected a size such as/ },
    { name: 'bad listen', text: '[[server]]\n\nlisten = ["80", "::1:80"]\n', line: 3, key: 'listen', code: 'WS_CONFIG_BAD_VALUE', says: /brackets/ },
    { name: 'http2 without ssl', text: '[[server]]\nlisten = "8443 http2"\n', line: 2, key: 'listen', code: 'WS_CONFIG_BAD_VALUE', says: /needs ssl/ },
    { name: 'ssl without certificate', text: '[[server]]\nlisten = "8443 ssl"\n', line: 2, key: 'ssl_certificate', code: 'WS_CONFIG_MISSING', says: /ssl_certificate_key/ },
    { name: 'bad regex location', text: '[[server]]\n[[server.location]]\npath = "~ ([a-z"\n', line: 3, key: 'path', code: 'WS_CONFIG_BAD_VALUE', says: /bad regex/ },
    { name: 'location in second server', text: '[[server]]\n[[server.location]]\npath = "/"\n[[server]]\n[[server.location]]\npath = "/"\n[[server.location]]\npath = "/x"\nexpires = "soon"\n', line: 9, key: 'expires', code: 'WS_CONFIG_BAD_VALUE', says: /duration/ },
    { name: 'unknown upstream', text: '[[server]]\n[[server.location]]\npath = "/"\nproxy_pass = "http://backend"\n', line: 4, key: 'proxy_pass', code: 'WS_CONFIG_BAD_VALUE', says: /no \[\[upstream\]\] named "backend"/ },
    { name: 'bad upstream parameter', text: '[[upstream]]\nname = "a"\nserver = ["127.0.0.1:1 wieght=2"]\n[[server]]\n', line: 3, key: 'server', code: 'WS_CONFIG_BAD_VALUE', says: /unknown server parameter "wieght"; allowed: weight/ },
    { name: 'unknown health_check key', text: '[[upstream]]\nname = "a"\nserver = ["127.0.0.1:1"]\nhealth_check = { intervall = "1s" }\n[[server]]\n', line: 4, key: 'intervall', code: 'WS_CONFIG_UNKNOWN_KEY', says: /did you mean "interval"/ },
    { name: 'health check host with a space', text: '[[upstream]]\nname = "a"\nserver = ["127.0.0.1:1", "127.0.0.1:2"]\nhealth_check = { host = "app example" }\n[[server]]\n', line: 4, key: 'host', code: 'WS_CONFIG_BAD_VALUE', says: /must be a host name or address/ },
    { name: 'health check interval below 1s', text: '[[upstream]]\nname = "a"\nserver = ["127.0.0.1:1", "127.0.0.1:2"]\nhealth_check = { interval = "500ms" }\n[[server]]\n', line: 4, key: 'interval', code: 'WS_CONFIG_BAD_VALUE', says: /must be at least 1s, got "500ms"/ },
    { name: 'redirect without URL', text: '[[server]]\nreturn = "301"\n', line: 2, key: 'return', code: 'WS_CONFIG_BAD_VALUE', says: /needs a URL/ },
    { name: 'try_files without fallback', text: '[[server]]\n[[server.location]]\npath = "/"\ntry_files = "$uri"\n', line: 4, key: 'try_files', code: 'WS_CONFIG_BAD_VALUE', says: /at least two entries/ },
    { name: 'duplicate location', text: '[[server]]\n[[server.location]]\npath = "/a"\n[[server.location]]\npath = "/a"\n', line: 5, key: 'path', code: 'WS_CONFIG_CONFLICT', says: /duplicate location/ },
    { name: 'ssl and plain on one socket', text: '[[server]]\nlisten = "8443 ssl"\nssl_certificate = "/c"\nssl_certificate_key = "/k"\n[[server]]\nlisten = "8443"\n', line: 6, key: 'listen', code: 'WS_CONFIG_CONFLICT', says: /either TLS or not/ },
    { name: 'cipher list OpenSSL refuses', text: 'ssl_ciphers = "NOT-A-CIPHER"\n[[server]]\n', line: 1, key: 'ssl_ciphers', code: 'WS_CONFIG_BAD_VALUE', says: /OpenSSL refuses the cipher list/ },
    { name: 'no server', text: 'workers = 1\n', line: 0, key: 'server', code: 'WS_CONFIG_MISSING', says: /no \[\[server\]\] block/ },
    { name: 'relative root', text: '[[server]]\nroot = "www"\n', line: 2, key: 'root', code: 'WS_CONFIG_BAD_VALUE', says: /absolute path/ },
    { name: 'bad in-memory file size', text: '[[server]]\nroot = "/srv"\n[[server.location]]\npath = "/"\nopen_file_cache_memory_file_max = "64 kilobytes"\n', line: 5, key: 'open_file_cache_memory_file_max', code: 'WS_CONFIG_BAD_VALUE', says: /expected a size such as .*\(size\)/ },
    { name: 'negative hot file size', text: '[[server]]\nroot = "/srv"\nopen_file_cache_hot_file_max = -1\n', line: 3, key: 'open_file_cache_hot_file_max', code: 'WS_CONFIG_BAD_VALUE', says: /expected a size such as/ },
    { name: 'in-memory file size at the top level', text: 'open_file_cache_memory_file_max = "8k"\n[[server]]\n', line: 1, key: 'open_file_cache_memory_file_max', code: 'WS_CONFIG_UNKNOWN_KEY', says: /unknown key in the top level/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = configError(c.text);
      assert.equal(e.code, c.code, e.message);
      assert.equal(e.file, '/etc/site.toml');
      if (c.line > 0) assert.equal(e.line, c.line, e.message);
      assert.equal(e.key, c.key);
      assert.match(e.message, c.says);
      if (c.line > 0) assert.ok(e.message.startsWith(`/etc/site.toml:${c.line}: ${c.key}: `), e.message);
    });
  }

  it('a health check runs every 5 s by default (nginx Plus), and as often as every 1 s', () => {
    const up = (hc: string) => parseConfigText(`[[upstream]]\nname = "a"\nserver = ["127.0.0.1:1", "127.0.0.1:2"]\nhealth_check = ${hc}\n[[server]]\n`, '/etc/site.toml').upstreams.get('a')!;
    assert.equal(up('{}').healthCheck?.intervalMs, 5_000);
    assert.equal(up('{ interval = "1s" }').healthCheck?.intervalMs, 1_000);
    assert.equal(up('{ interval = 1 }').healthCheck?.intervalMs, 1_000);
  });

  it('proxy_trusted_proxies = [] trusts no peer; each entry must be an IP or a CIDR', () => {
    const trust = (list: string) => {
      const c = parseConfigText(`proxy_trusted_proxies = ${list}\n[[server]]\n[[server.location]]\npath = "/"\nproxy_pass = "http://127.0.0.1:1"\n`, '/etc/site.toml');
      return c.servers[0]!.locations[0]!.proxy!.trustedProxies;
    };
    assert.deepEqual(trust('[]'), []);
    assert.deepEqual(trust('["10.0.0.0/8", "::1", "fd00::/8"]'), ['10.0.0.0/8', '::1', 'fd00::/8']);
    for (const bad of ['"1.2.3.4.5"', '"10.0.0.0/33"', '"::1/129"', '"10.0.0.0/8/8"', '"10.0.0.0/"', '"localhost"']) {
      assert.throws(() => trust(bad), /proxy_trusted_proxies: .* is not an IP address or CIDR/, bad);
    }
  });

  it('warns, as nginx does, about a server name claimed twice on one socket', () => {
    const c = parseConfigText('[[server]]\nlisten = "8080"\nserver_name = "a.test"\n[[server]]\nlisten = "8080"\nserver_name = ["b.test", "A.test"]\n', '/etc/site.toml');
    assert.deepEqual(c.warnings, ['/etc/site.toml:4: conflicting server name "A.test" on 0.0.0.0:8080, ignored']);
  });

  it('a TOML syntax error gives the line from the parser', () => {
    const e = configError('[[server]]\nlisten = "80"\nroot = \n');
    assert.equal(e.code, 'WS_CONFIG_SYNTAX');
    assert.equal(e.line, 3);
  });

  it('every written default parses with its own setting (the table is the one source of defaults)', () => {
    for (const s of SETTINGS) {
      if (s.default === undefined || s.name === 'expect_status') continue;
      for (const scope of s.scopes) assert.notEqual(settingDefault(scope, s.name), undefined, `${scope}.${s.name} = ${s.default}`);
    }
    assert.equal(settingDefault('main', 'keepalive_timeout'), 75_000);
    assert.deepEqual(settingDefault('main', 'large_client_header_buffers'), { count: 4, size: 8192 });
    assert.equal(settingDefault('location', 'client_max_body_size'), 1024 * 1024);
  });

  it('every setting has help and appears in the generated docs', () => {
    const docs = renderSettingsDocs();
    for (const key of ['client_max_body_size', 'proxy_pass', 'health_check', 'try_files', 'status', 'large_client_header_buffers']) assert.match(docs, new RegExp(`\\| \`${key}\` \\|`));
  });
});

describe('tsgi-webserver -t', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  it('says "syntax is ok" and "test is successful" for a good file, exit 0', async () => {
    const file = join(tmp.dir, 'ok.toml');
    await writeFile(file, `[[server]]\nlisten = "127.0.0.1:0"\nroot = "${tmp.dir}"\n`);
    const r = await runCli(['-t', '-c', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /syntax is ok/);
    assert.match(r.stderr, /test is successful/);
  });

  it('prints file:line: key and exits 1 for a bad one', async () => {
    const file = join(tmp.dir, 'bad.toml');
    await writeFile(file, `[[server]]\nlisten = "127.0.0.1:0"\n\n[[server.location]]\npath = "/"\nindx = "a.html"\n`);
    const r = await runCli(['--test-config', '--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`\\[emerg\\] ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: indx: unknown key in \\[\\[server.location\\]\\]; did you mean "index"\\?`));
    assert.match(r.stderr, /test failed/);
  });

  it('checks that certificate files can be read', async () => {
    const file = join(tmp.dir, 'tls.toml');
    await writeFile(file, `[[server]]\nlisten = "127.0.0.1:0 ssl"\nssl_certificate = "${tmp.dir}/missing.pem"\nssl_certificate_key = "${tmp.dir}/missing.key"\n`);
    const r = await runCli(['-t', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /tls\.toml:3: ssl_certificate: cannot read .*missing\.pem/);
  });

  it('loadConfig reports an unreadable file', async () => {
    await assert.rejects(loadConfig(join(tmp.dir, 'nope.toml')), (e: unknown) => e instanceof ConfigError && e.code === 'WS_CONFIG_READ');
  });
});

describe('config: the default cipher list', () => {
  // settings.ts does not hand its own default to OpenSSL (that would load node:tls in every
  // process, TLS or not): OpenSSL's acceptance of it is checked here instead.
  it('is a list OpenSSL takes, and the default of ssl_ciphers', () => {
    assert.equal(settingDefault('main', 'ssl_ciphers'), MOZILLA_INTERMEDIATE_CIPHERS);
    const tls = process.getBuiltinModule('node:tls');
    assert.doesNotThrow(() => tls.createSecureContext({ ciphers: MOZILLA_INTERMEDIATE_CIPHERS }));
    assert.throws(() => tls.createSecureContext({ ciphers: 'NOT-A-CIPHER' }), /no cipher match/, 'the check can fail');
  });
});

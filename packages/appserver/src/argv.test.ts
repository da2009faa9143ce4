import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgv, splitArgs, suggestFlag } from './argv.js';
import { AppserverError } from './errors.js';

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppserverError);
    assert.equal(err.code, 'TSGI_APPSERVER_E_USAGE');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('parseArgv', () => {
  it('reads long, short, attached and = forms, repeatable binds and the APP', () => {
    const { values } = parseArgv(['-w4', '--bind', '127.0.0.1:1', '-b', 'unix:/tmp/x.sock', '--keep-alive=2.5', '--proxy-protocol', 'app.ts:application']);
    assert.equal(values.workers, 4);
    assert.deepEqual(values.bind, ['127.0.0.1:1', 'unix:/tmp/x.sock']);
    assert.equal(values.keepAlive, 2.5);
    assert.equal(values.proxyProtocol, true);
    assert.equal(values.app, 'app.ts:application');
  });

  it('parses sizes, octal modes, lists and enums', () => {
    const { values } = parseArgv(['--limit-request-body', '10m', '--umask', '007', '--forwarded-allow-ips', '10.0.0.0/8, ::1', '--log-level', 'warn']);
    assert.equal(values.limitRequestBody, 10 * 1024 * 1024);
    assert.equal(values.umask, 0o007);
    assert.deepEqual(values.forwardedAllowIps, ['10.0.0.0/8', '::1']);
    assert.equal(values.logLevel, 'warning');
  });

  it('names the option, the value given and what is allowed', () => {
    usageError(() => parseArgv(['--workers', 'many']), /^--workers: got "many"; expected an integer from 1 to 1024/);
    usageError(() => parseArgv(['-w', '0']), /^-w: got "0"; expected an integer from 1 to 1024/);
    usageError(() => parseArgv(['--bind', '[::1:80']), /--bind: got "\[::1:80"; expected .*"\[::1:80": an IPv6 address must be closed/);
    usageError(() => parseArgv(['--interface', 'wsgi']), /--interface: got "wsgi"; expected one of auto, tsgi, node/);
    usageError(() => parseArgv(['--forwarded-allow-ips', '10.0.0.0/33']), /prefix length must be 0 to 32/);
    usageError(() => parseArgv(['--access-logformat', '%(zz)s']), /unknown atom %\(zz\)s/);
    usageError(() => parseArgv(['--mount', 'api/']), /--mount: got "api\/"; expected a path starting with \//);
  });

  it('suggests the closest flag for a typo', () => {
    usageError(() => parseArgv(['--worker', '2']), /unknown option --worker; did you mean --workers\?/);
    assert.equal(suggestFlag('--limit-request-field_size'), '--limit-request-field-size');
  });

  it('refuses a missing value, a value on a flag and two APPs', () => {
    usageError(() => parseArgv(['--bind']), /--bind needs a value/);
    usageError(() => parseArgv(['--proxy-protocol=yes']), /--proxy-protocol takes no value/);
    usageError(() => parseArgv(['a.ts', 'b.ts']), /only one APP/);
  });

  it('says where options came from when not the command line', () => {
    usageError(() => parseArgv(['--workers', 'x'], 'TSGI_APPSERVER_ARGS'), /--workers \(in TSGI_APPSERVER_ARGS\): got "x"/);
  });
});

describe('splitArgs', () => {
  it('splits like a shell: quotes group, backslash escapes', () => {
    assert.deepEqual(splitArgs(`-w 2  --access-logformat '%(h)s "%(r)s"' a\\ b "c d"`), ['-w', '2', '--access-logformat', '%(h)s "%(r)s"', 'a b', 'c d']);
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs(`--mount ""`), ['--mount', '']);
  });

  it('refuses an unclosed quote', () => {
    usageError(() => splitArgs(`-w '2`), /unclosed ' quote/);
  });
});

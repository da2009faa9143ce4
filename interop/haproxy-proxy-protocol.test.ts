/**
 * HAProxy (Debian's /usr/sbin/haproxy, `mode http`) in front of `tsgi-appserver --proxy-protocol`:
 * `send-proxy` (v1) and `send-proxy-v2` carry the client's address and port, and the echo app
 * sees exactly the socket the test connected from (bound to 127.0.0.2, so it cannot be mistaken
 * for HAProxy's own 127.0.0.1). A third and fourth backend connect from 127.0.0.3 (HAProxy's
 * `source`), outside `--proxy-allow-from`: their PROXY header is refused, as it is from a raw
 * socket there. (The parser and the allow-list on their own: packages/appserver/src/proxy-protocol.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canConnect, freePort, readUntilClose, waitFor } from 'tsgi-test-support';
import { startAppserver, tempProject, type AppserverProcess } from '../packages/appserver/src/testing/spawn-appserver.js';
import { FrontProcess, requireBinary } from './support/front-process.js';

const HAPROXY = '/usr/sbin/haproxy';
/** Where the test's client connects from: a loopback address that is neither HAProxy's nor the default. */
const CLIENT = '127.0.0.2';
/** Where the refused backends connect from: not in --proxy-allow-from. */
const STRANGER = '127.0.0.3';

/** The echo app: the client address and port the view sees, and the TCP peer's. */
const ECHO_APP = `export const application = {
  fetch: (_request: Request, c: { client: { address: string; port?: number }; remoteAddress: string }) =>
    new Response(\`client=\${c.client.address}:\${c.client.port} peer=\${c.remoteAddress}\\n\`),
};
`;

/** One GET from `CLIENT` on a fresh connection: the answer and the local port the test used. */
function getFromClient(port: number, path = '/'): Promise<{ status: number; body: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: CLIENT, agent: false, headers: { connection: 'close' } }, (res) => {
      const localPort = res.socket.localPort!;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, localPort }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to GET ${path} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('HAProxy send-proxy / send-proxy-v2 -> tsgi-appserver --proxy-protocol', () => {
  let tmp: ReturnType<typeof tempProject>;
  let appserver: AppserverProcess & { url: string };
  let haproxy: FrontProcess;
  let appPort: number;
  const ports = { v1: 0, v2: 0, refusedV1: 0, refusedV2: 0 };

  before(async () => {
    requireBinary(HAPROXY, 'haproxy');
    tmp = tempProject();
    writeFileSync(join(tmp.dir, 'app.ts'), ECHO_APP);
    // Only HAProxy's own address may send a PROXY header; X-Forwarded-* are trusted from no one,
    // so the address can only come from the PROXY header.
    appserver = await startAppserver(['--proxy-protocol', '--proxy-allow-from', '127.0.0.1', '--forwarded-allow-ips', '', 'app.ts'], { cwd: tmp.dir });
    appPort = Number(new URL(appserver.url).port);
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
    const backend = (name: string, port: number, server: string) => `frontend ${name}
  bind 127.0.0.1:${port}
  default_backend ${name}
backend ${name}
  server app 127.0.0.1:${appPort} ${server}
`;
    const config = join(tmp.dir, 'haproxy.cfg');
    writeFileSync(
      config,
      `global
  pidfile ${tmp.dir}/haproxy.pid
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
${backend('v1', ports.v1, 'send-proxy')}${backend('v2', ports.v2, 'send-proxy-v2')}${backend('refusedV1', ports.refusedV1, `send-proxy source ${STRANGER}`)}${backend('refusedV2', ports.refusedV2, `send-proxy-v2 source ${STRANGER}`)}`,
    );
    // Master-worker mode in the foreground: the master writes the pid file. HAProxy logs to
    // syslog only, so its output (stderr) is all there is to show.
    haproxy = await FrontProcess.start({ name: 'haproxy', binary: HAPROXY, debianPackage: 'haproxy', args: ['-W', '-db', '-f', config], port: ports.v1, errorLog: '/dev/null', cleanup: () => {} });
    // It binds every frontend before it serves any.
    for (const port of Object.values(ports)) assert.ok(await canConnect(port), `haproxy listens on ${port}; ${haproxy.output()}`);
    const pid = Number(readFileSync(join(tmp.dir, 'haproxy.pid'), 'utf8'));
    assert.ok(Number.isInteger(pid) && process.kill(pid, 0), 'the pid file names the running HAProxy master');
  });

  /** The appserver's log lines refusing a request from STRANGER with 400. */
  const refusalsOfStranger = () => appserver.output().match(/request refused by rule [\w-]+ \(400\)[^\n]*; client 127\.0\.0\.3\n/g)?.length ?? 0;

  after(async () => {
    await haproxy?.stop();
    await appserver?.stop();
    tmp?.remove();
  });

  for (const version of ['v1', 'v2'] as const) {
    it(`send-proxy${version === 'v1' ? '' : '-v2'}: the view sees the client's own address and port`, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await getFromClient(ports[version], `/${i}`);
        assert.equal(r.status, 200, `${r.body}\n${haproxy.output()}\nappserver:\n${appserver.output()}`);
        assert.equal(r.body, `client=${CLIENT}:${r.localPort} peer=${CLIENT}\n`);
      }
    });
  }

  for (const version of ['v1', 'v2'] as const) {
    it(`send-proxy${version === 'v1' ? '' : '-v2'} from ${STRANGER}, not in --proxy-allow-from: the header is a bad request (400), never an address`, async () => {
      const before = refusalsOfStranger();
      const r = await getFromClient(ports[version === 'v1' ? 'refusedV1' : 'refusedV2']);
      assert.deepEqual({ status: r.status, body: r.body }, { status: 400, body: 'Bad Request' }, `${haproxy.output()}\nappserver:\n${appserver.output()}`);
      // The 400 is the appserver's, not HAProxy's: the PROXY line read as a request line.
      await waitFor(() => refusalsOfStranger() === before + 1, { what: () => `the appserver to log its refusal of ${STRANGER}; output:\n${appserver.output()}` });
    });
  }

  it(`a raw PROXY v1 line from ${STRANGER}: 400 Bad Request and the connection closed`, async () => {
    const socket = connect({ port: appPort, host: '127.0.0.1', localAddress: STRANGER });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const answer = readUntilClose(socket);
    socket.write('PROXY TCP4 203.0.113.7 127.0.0.1 51000 80\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.doesNotMatch(text, /203\.0\.113\.7|client=/);
  });
});

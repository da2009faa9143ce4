// The memory rows' client: opens idle connections to a TLS server, one request on each (so the
// server has set the connection up as a browser's would be), and keeps them open while the
// server's RSS is read. Bounded: `parallel` handshakes at a time, 10 s per connection.
import { connect as tlsConnect } from 'node:tls';
import { connect as h2Connect } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';

const PER_CONNECTION_MS = 10_000;

/** One HTTP/1.1 keep-alive connection with one answered request; resolves to its closer. */
function openH1(port, path) {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => fail(new Error('no answer within 10 s')), PER_CONNECTION_MS);
    let got = Buffer.alloc(0);
    const fail = (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(got.subarray(0, end).toString('latin1'));
      if (!length || got.length < end + 4 + Number(length[1])) return;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('data', () => {});
      resolve(() => socket.destroy());
    });
  });
}

/** One HTTP/2 session with one answered stream; resolves to its closer. */
function openH2(port, path) {
  return new Promise((resolve, reject) => {
    const session = h2Connect(`https://127.0.0.1:${port}`, { servername: 'localhost', rejectUnauthorized: false });
    const timer = setTimeout(() => fail(new Error('no answer within 10 s')), PER_CONNECTION_MS);
    const fail = (err) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.once('error', fail);
    const req = session.request({ ':path': path });
    req.on('data', () => {});
    req.once('error', fail);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(() => session.destroy());
    });
    req.end();
  });
}

/**
 * Opens `count` connections (`protocol` 'h2' or 'http/1.1'), `parallel` at a time, and returns
 * the server's RSS growth per 1,000 of them (`rssKb()` reads the server's RSS).
 */
export async function openIdle({ port, path, protocol, count, parallel, rssKb }) {
  const open = protocol === 'h2' ? openH2 : openH1;
  // Warm: the server's first connections load code and fill caches that are not per connection.
  for (let i = 0; i < 20; i++) (await open(port, path))();
  await sleep(1000);
  const before = rssKb();
  const closers = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        closers.push(await open(port, path));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  await sleep(1000);
  const after = rssKb();
  for (const close of closers) close();
  const opened = closers.length;
  if (opened === 0) throw new Error(`no connection opened (${errors} failed)`);
  return {
    rssBeforeMb: before / 1024,
    rssAfterMb: after / 1024,
    rssPer1000Mb: ((after - before) / 1024) * (1000 / opened),
    connections: opened,
    requests: opened,
    errors,
  };
}

// A test probe, loaded with NODE_OPTIONS=--import into a server and every process it forks: at
// exit each process writes which of node's TLS and HTTP/2 modules it loaded to
// PROBE_DIR/<pid>.json (process.moduleLoadList names every built-in module a process loaded).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

process.on('exit', () => {
  const loaded = process.moduleLoadList.filter((m) => /^NativeModule (tls|https|http2)$/.test(m)).map((m) => m.slice('NativeModule '.length));
  writeFileSync(join(process.env.PROBE_DIR, `${process.pid}.json`), JSON.stringify({ argv: process.argv.slice(1), loaded }));
});

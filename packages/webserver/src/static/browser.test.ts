/**
 * The browser check: Chromium (driven by playwright-core) loads a page with CSS, JS and an image
 * from tsgi-webserver over HTTPS with HTTP/2, then loads it again and the server answers the
 * revalidations with 304. `expires = "epoch"` (Cache-Control: no-cache) makes every reuse of a
 * cached file a conditional request, so the second load is decided by ETag / If-None-Match.
 * Fails, naming the Debian package, when Chromium or openssl is missing (never skips).
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Request, Response } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { WebServer } from '../server/web-server.js';
import { makeCert } from '../testing/certs.js';
import { startFromText } from '../testing/helpers.js';
import { tempDir, waitFor } from 'tsgi-test-support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A valid 2x1 PNG (red, blue).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGP4z8DAwMDwHwAJ/AH/ErTt3QAAAABJRU5ErkJggg==', 'base64');

const INDEX = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>tsgi static</title>
<link rel="stylesheet" href="/css/site.css">
<script src="/js/app.js" defer></script>
</head><body><p id="t">hello</p><img id="logo" src="/img/logo.png" alt="logo"></body></html>
`;
const CSS = 'body { background-color: rgb(1, 2, 3); }\n#t { color: rgb(10, 20, 30); }\n'.repeat(40);
const JS = "document.getElementById('t').dataset.ran = 'yes';\nwindow.__tsgiRan = true;\n";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

interface LogLine {
  uri: string;
  status: number;
  protocol: string;
}

describe('browser: Chromium over HTTPS + HTTP/2', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> } | undefined;
  let server: WebServer | undefined;
  let context: BrowserContext | undefined;
  let url = '';
  let logPath = '';

  before(async () => {
    assert.ok(await exists(CHROMIUM), `Chromium is not at ${CHROMIUM}: install the Debian package chromium (or set CHROMIUM_PATH)`);
    tmp = await tempDir('tsgi-browser-');
    let cert: { cert: string; key: string };
    try {
      cert = await makeCert(tmp.dir, 'localhost');
    } catch (err) {
      throw new Error(`openssl could not make a test certificate (Debian package openssl): ${(err as Error).message}`, { cause: err });
    }
    const spki = createHash('sha256')
      .update(new X509Certificate(await readFile(cert.cert)).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    const www = join(tmp.dir, 'www');
    for (const d of ['css', 'js', 'img']) await mkdir(join(www, d), { recursive: true });
    await writeFile(join(www, 'index.html'), INDEX);
    await writeFile(join(www, 'css', 'site.css'), CSS);
    await writeFile(join(www, 'js', 'app.js'), JS);
    await writeFile(join(www, 'img', 'logo.png'), PNG);
    logPath = join(tmp.dir, 'access.log');
    server = await startFromText(`access_log = "${logPath}"
access_log_format = "json"
[[server]]
listen = ["127.0.0.1:0 ssl http2"]
server_name = ["localhost"]
ssl_certificate = "${cert.cert}"
ssl_certificate_key = "${cert.key}"
root = "${www}"
expires = "epoch"
gzip = true
`);
    const port = server.addresses()[0]?.port;
    assert.ok(port !== undefined && port > 0);
    url = `https://localhost:${port}/`;
    context = await chromium.launchPersistentContext(join(tmp.dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      ignoreHTTPSErrors: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // localhost resolves to 127.0.0.1 only: the server listens there.
        '--host-resolver-rules=MAP localhost 127.0.0.1',
        // Trust the test certificate by its key: with a certificate *error* Chromium keeps the
        // main document out of its HTTP cache, and the second load could not revalidate it.
        `--ignore-certificate-errors-spki-list=${spki}`,
      ],
      timeout: 60_000,
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    await tmp?.cleanup();
  });

  async function readLog(): Promise<LogLine[]> {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogLine);
  }

  it('renders the page, runs the JS, shows the image, over h2; the second load revalidates (304)', async () => {
    assert.ok(context !== undefined, 'the browser started');
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);

    const first = await page.goto(url, { waitUntil: 'load' });
    assert.equal(first?.status(), 200);
    const state = await page.evaluate(() => {
      const img = document.getElementById('logo') as HTMLImageElement;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return {
        background: getComputedStyle(document.body).backgroundColor,
        color: getComputedStyle(document.getElementById('t') as HTMLElement).color,
        ran: (window as unknown as { __tsgiRan?: boolean }).__tsgiRan === true && document.getElementById('t')?.dataset.ran === 'yes',
        naturalWidth: img.naturalWidth,
        protocols: [
          [nav.name, nav.nextHopProtocol],
          ...performance.getEntriesByType('resource').map((e) => [e.name, (e as PerformanceResourceTiming).nextHopProtocol]),
        ],
      };
    });
    assert.equal(state.background, 'rgb(1, 2, 3)', 'the stylesheet applied');
    assert.equal(state.color, 'rgb(10, 20, 30)');
    assert.equal(state.ran, true, 'the script ran');
    assert.equal(state.naturalWidth, 2, 'the image decoded');
    const paths = state.protocols.map(([name]) => new URL(name as string).pathname);
    for (const p of ['/', '/css/site.css', '/js/app.js', '/img/logo.png']) assert.ok(paths.includes(p), `${p} in ${paths.join(' ')}`);
    for (const [name, protocol] of state.protocols) assert.equal(protocol, 'h2', String(name));

    const firstLog = await readLog();
    for (const path of ['/', '/css/site.css', '/js/app.js', '/img/logo.png']) {
      const line = firstLog.find((l) => l.uri === path);
      assert.ok(line !== undefined, `first load requested ${path}`);
      assert.equal(line.status, 200);
      assert.equal(line.protocol, 'HTTP/2.0');
    }

    // Second load: every file is in the cache with no-cache, so each use is revalidated.
    const conditional: string[] = [];
    const statuses = new Map<string, number>();
    const headerReads: Promise<void>[] = [];
    const onRequest = (req: Request) => {
      headerReads.push(
        req.allHeaders().then((h) => {
          if (h['if-none-match'] !== undefined) conditional.push(new URL(req.url()).pathname);
        }),
      );
    };
    const onResponse = (res: Response) => statuses.set(new URL(res.url()).pathname, res.status());
    page.on('request', onRequest);
    page.on('response', onResponse);
    const before = firstLog.length;
    await page.goto(url, { waitUntil: 'load' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(1, 2, 3)');
    assert.equal(await page.evaluate(() => (document.getElementById('logo') as HTMLImageElement).naturalWidth), 2);
    page.off('request', onRequest);
    page.off('response', onResponse);

    const second = await waitFor(async () => {
      const lines = (await readLog()).slice(before);
      return lines.length >= 4 && lines;
    }, { timeoutMs: 5_000, what: 'four access log lines for the second load' });
    const revalidated = second.filter((l) => l.status === 304).map((l) => l.uri).sort();
    await Promise.all(headerReads);
    assert.deepEqual(revalidated, ['/', '/css/site.css', '/img/logo.png', '/js/app.js'], `second load: conditional ${JSON.stringify(conditional)} statuses ${JSON.stringify([...statuses])}`);
    assert.ok(second.every((l) => l.protocol === 'HTTP/2.0'));
    assert.ok(conditional.length >= 1, `the browser sent If-None-Match (saw ${JSON.stringify([...statuses])})`);
    await page.close();
  });
});

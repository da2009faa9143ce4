/**
 * The demo in a real browser: Chromium (Debian's, driven by playwright-core) against `npm start`
 * (tsgi-webserver -> tsgi-appserver x2 -> the demo, DEBUG off). The feedback form page with its
 * hashed CSS applied, an invalid submit (each error shown beside its field), a valid submit with
 * a file (redirect, then a message shown once), the live chat's WebSocket. Screenshots of each step are saved under
 * `.tmp/artifacts/browser/` (the test prints where). Fails, never skips, without Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePorts, tempDir } from 'tsgi-test-support';
import { Demo, HOST } from './demo-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../.tmp/artifacts/browser/', import.meta.url));

describe('the demo in Chromium: form errors, upload, one-time message, hashed CSS', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let base = '';
  let upload: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}: install the Debian package chromium (or set CHROMIUM_PATH)`);
    await mkdir(ARTIFACTS, { recursive: true });
    upload = await tempDir('tsgi-browser-upload-');
    demo = new Demo(...((await freePorts(2)) as [number, number]));
    await demo.ready();
    base = `http://${HOST}:${demo.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await demo?.kill();
    await upload?.cleanup();
    console.log(`browser test screenshots: ${ARTIFACTS}`);
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('loads the form page with its hashed stylesheet applied', async () => {
    const css: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/static/')) css.push(`${r.status()} ${new URL(r.url()).pathname} ${r.headers()['cache-control'] ?? ''}`);
    });
    const response = await page.goto(`${base}/showcase/feedback/`);
    assert.equal(response?.status(), 200);
    const href = await page.getAttribute('link[rel=stylesheet]', 'href');
    assert.match(href ?? '', /^\/static\/showcase\/style\.[0-9a-f]{12}\.css$/, 'DEBUG off: the hashed name');
    assert.ok(css.some((line) => line.startsWith(`200 ${href} `) && line.includes('immutable')), `the hashed CSS came with far-future caching: ${css.join('; ')}`);
    // The stylesheet is applied: the page background is the CSS's #f6f7f9.
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(246, 247, 249)');
    await shot('1-form');
  });

  it('an invalid submit shows each error beside its field and keeps what was typed', async () => {
    await page.fill('[name=name]', '<b>Ada</b>');
    await page.fill('[name=email]', 'not-an-email');
    await page.click('button');
    await page.waitForLoadState();
    assert.equal(await page.title(), 'Feedback');
    // Beside its field: the error list sits in the field's own block, and the input points to it.
    const errorFor = async (field: string) => {
      assert.equal(await page.getAttribute(`[name=${field}]`, 'aria-invalid'), 'true', `${field} is marked invalid`);
      return page.locator(`div:has(> [name=${field}]) > #id_${field}_error`).innerText();
    };
    assert.match(await errorFor('email'), /Enter a valid email address\./);
    assert.match(await errorFor('message'), /This field is required\./);
    assert.equal(await page.locator('#id_attachment_error').count(), 0, 'an empty file input is no file, not an error');
    assert.equal(await page.inputValue('[name=name]'), '<b>Ada</b>', 'the value comes back as text, not markup');
    assert.equal(await page.locator('b', { hasText: 'Ada' }).count(), 0, 'no injected element');
    await shot('2-errors');
  });

  it('a valid submit with a file redirects, and the message shows once', async () => {
    const file = join(upload.dir, 'notes.txt');
    await writeFile(file, 'hello from the browser');
    await page.fill('[name=name]', 'Ada');
    await page.fill('[name=email]', 'ada@example.com');
    await page.selectOption('[name=topic]', 'idea');
    await page.fill('[name=message]', 'More batteries.');
    await page.setInputFiles('[name=attachment]', file);
    await Promise.all([page.waitForURL(`${base}/showcase/`), page.click('button')]);
    const message = page.locator('ul.messages li.success');
    assert.equal(await message.innerText(), 'Thanks, Ada: your idea came in with notes.txt (22 bytes).');
    await shot('3-message');
    await page.reload();
    assert.equal(await page.locator('ul.messages li').count(), 0, 'shown once');
    await shot('4-after-reload');
  });

  it('the live chat page opens its WebSocket through the chain and gets its messages back', async () => {
    await page.goto(`${base}/showcase/chat/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'open', undefined, { timeout: 15_000 });
    await page.locator('#log li').first().waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#log li').first().innerText(), /^server: welcome/);
    for (const text of ['first', 'second', 'third']) {
      await page.fill('#text', text);
      await page.click('button');
    }
    await page.waitForFunction(() => document.querySelectorAll('#log li.from-you').length === 3, undefined, { timeout: 15_000 });
    assert.deepEqual(await page.locator('#log li.from-you').allInnerTexts(), ['you: first', 'you: second', 'you: third']);
    await shot('5-chat');
  });
});

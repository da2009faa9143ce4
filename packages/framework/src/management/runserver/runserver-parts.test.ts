import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandError } from '../base.js';
import { displayUrl, parseAddrPort } from './addrport.js';
import { ProjectWatcher } from './watcher.js';
import { waitFor } from 'tsgi-test-support';

describe('runserver [ADDR:]PORT', () => {
  it('parses what Django accepts', () => {
    assert.deepEqual(parseAddrPort(undefined), { host: '127.0.0.1', port: 8000 });
    assert.deepEqual(parseAddrPort('9000'), { host: '127.0.0.1', port: 9000 });
    assert.deepEqual(parseAddrPort('0.0.0.0:8000'), { host: '0.0.0.0', port: 8000 });
    assert.deepEqual(parseAddrPort('[::1]:8001'), { host: '::1', port: 8001 });
    assert.deepEqual(parseAddrPort('localhost:0'), { host: 'localhost', port: 0 });
    assert.equal(displayUrl('::1', 8001), 'http://[::1]:8001/');
  });

  it('refuses the rest with a usage error (exit code 2)', () => {
    for (const bad of ['abc', '8000:', ':8000', '1.2.3.4:99999', '[zz]:80', '::1:80', 'a b:80']) {
      assert.throws(() => parseAddrPort(bad), (e: unknown) => e instanceof CommandError && e.exitCode === 2, bad);
    }
  });
});

describe('the autoreloader\'s watcher', () => {
  it('reports changed, added and removed source files once per burst, and ignores node_modules and output dirs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsgi-watch-'));
    const outside = await mkdtemp(join(tmpdir(), 'tsgi-watch-nm-'));
    try {
      await mkdir(join(root, 'app'));
      await mkdir(join(root, 'staticfiles'));
      await writeFile(join(root, 'app/views.ts'), 'export const a = 1;\n');
      await writeFile(join(root, 'notes.txt'), 'not source');
      await symlink(outside, join(root, 'node_modules'), 'dir');
      const batches: string[][] = [];
      let notify: () => void = () => {};
      const watcher = new ProjectWatcher(root, { ignore: [join(root, 'staticfiles')], debounceMs: 100, onChange: (files) => { batches.push(files); notify(); } });
      await watcher.start();
      const next = () => new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no change reported; batches: ${JSON.stringify(batches)}`)), 15_000);
        notify = () => { clearTimeout(timer); resolve(); };
      });
      try {
        assert.deepEqual(watcher.files, [join(root, 'app/views.ts')]);
        let wait = next();
        await writeFile(join(root, 'app/views.ts'), 'export const a = 2;\n');
        await writeFile(join(root, 'app/views.ts'), 'export const a = 3;\n');
        await wait;
        assert.deepEqual(batches.at(-1), [join(root, 'app/views.ts')]);
        wait = next();
        await mkdir(join(root, 'polls'));
        await writeFile(join(root, 'polls/urls.ts'), 'export const urlpatterns = [];\n');
        await wait;
        // A new directory is picked up: a later edit inside it is seen too.
        if (!batches.at(-1)!.includes(join(root, 'polls/urls.ts'))) await next();
        const count = batches.length;
        await writeFile(join(outside, 'pkg.ts'), 'ignored');
        await writeFile(join(root, 'staticfiles/app.js'), 'ignored');
        await writeFile(join(root, 'notes.txt'), 'still not source');
        // No event says "ignored": a real change made after the ignored ones is the marker. Events
        // arrive in order, so a reload for an ignored file would come first, or in the same batch.
        wait = next();
        await rm(join(root, 'app/views.ts'));
        await wait;
        assert.equal(batches.length, count + 1, `no reload for node_modules, ignored dirs or non-source files: ${JSON.stringify(batches.slice(count))}`);
        assert.deepEqual(batches.at(-1), [join(root, 'app/views.ts')]);
      } finally {
        watcher.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('the watcher without fs events', () => {
  it('still sees a change through its polling backstop', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsgi-poll-'));
    try {
      await writeFile(join(root, 'a.ts'), 'export {};\n');
      let seen: string[] = [];
      const watcher = new ProjectWatcher(root, { debounceMs: 10_000, pollMs: 200, onChange: (files) => (seen = files) });
      await watcher.start();
      try {
        // A 10 s debounce keeps the event path from answering within the test: only the poll can.
        await writeFile(join(root, 'a.ts'), 'export const changed = true;\n');
        await waitFor(() => seen.length > 0, { what: 'the poll to report the change' });
        assert.deepEqual(seen, [join(root, 'a.ts')]);
      } finally {
        watcher.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/**
 * `open_file_cache_memory_file_max` and `open_file_cache_hot_file_max` from a config file to the
 * static handler, over real sockets. Which way a file is served is observable: a file rewritten in
 * place with the same size and mtime looks unchanged to the cache, so a body held in memory still
 * answers with the old bytes, while a streamed one is read through the cached descriptor (same
 * inode) and answers with the new bytes.
 */
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { parseConfigText } from '../config/load.js';
import { STATIC_DEFAULTS } from './options.js';
import type { StaticOptions } from './options.js';
import { FIXED_MTIME, makeTree, serveStatic, type Tree } from './test-support/fixture.js';

const SMALL = 'a'.repeat(50);
const LARGE = 'b'.repeat(5000);

async function body(url: string): Promise<string> {
  const r = await request(url);
  assert.equal(r.statusCode, 200);
  return r.body.text();
}

/** The static options of the only location of `extra` (TOML lines for the location). */
function staticFromConfig(root: string, extra: string): StaticOptions {
  // open_file_cache_valid = "1h": nothing is re-stat-ed during the test, whatever the machine's speed.
  const config = parseConfigText(`[[server]]\nlisten = "127.0.0.1:0"\n[[server.location]]\npath = "/"\nroot = "${root}"\nopen_file_cache_valid = "1h"\n${extra}`, '/test.toml');
  return config.servers[0]!.locations[0]!.static!;
}

/** Rewrites `name` in place (same inode, size and mtime) with `content`. */
async function rewriteInPlace(tree: Tree, name: string, content: string): Promise<void> {
  const path = join(tree.root, name);
  await writeFile(path, content, { flag: 'r+' });
  await utimes(path, FIXED_MTIME, FIXED_MTIME);
}

/** Serves the tree with `extra`, reads both files (`warm` times each), rewrites them, reads again. */
async function servedAfterRewrite(extra: string, warm = 1): Promise<{ small: string; large: string }> {
  const tree = await makeTree({ 'small.txt': SMALL, 'large.txt': LARGE });
  const s = await serveStatic(staticFromConfig(tree.root, extra));
  try {
    for (let i = 0; i < warm; i++) {
      assert.equal(await body(`${s.url}/small.txt`), SMALL);
      assert.equal(await body(`${s.url}/large.txt`), LARGE);
    }
    await rewriteInPlace(tree, 'small.txt', SMALL.toUpperCase());
    await rewriteInPlace(tree, 'large.txt', LARGE.toUpperCase());
    return { small: await body(`${s.url}/small.txt`), large: await body(`${s.url}/large.txt`) };
  } finally {
    await s.close();
    await tree.remove();
  }
}

describe('open_file_cache_memory_file_max', () => {
  let tree: Tree;
  before(async () => {
    tree = await makeTree({});
  });
  after(() => tree.remove());

  it('defaults to the handler\'s own defaults (64k, and 4m for hot files)', () => {
    const o = staticFromConfig(tree.root, '');
    assert.equal(o.openFileCache?.memoryMaxFileSize, STATIC_DEFAULTS.openFileCache.memoryMaxFileSize);
    assert.equal(o.openFileCache?.hotMaxFileSize, STATIC_DEFAULTS.openFileCache.hotMaxFileSize);
    assert.equal(o.openFileCache?.memoryMaxFileSize, 64 * 1024);
  });

  it('is inherited from the server and set per location', () => {
    const config = parseConfigText(
      `[[server]]\nlisten = "127.0.0.1:0"\nroot = "${tree.root}"\nopen_file_cache_memory_file_max = "8k"\nopen_file_cache_hot_file_max = 0\n[[server.location]]\npath = "/a/"\n[[server.location]]\npath = "/b/"\nopen_file_cache_memory_file_max = 100\n`,
      '/test.toml',
    );
    const [a, b] = config.servers[0]!.locations;
    assert.deepEqual([a!.static!.openFileCache?.memoryMaxFileSize, a!.static!.openFileCache?.hotMaxFileSize], [8192, 0]);
    assert.deepEqual([b!.static!.openFileCache?.memoryMaxFileSize, b!.static!.openFileCache?.hotMaxFileSize], [100, 0]);
  });

  it('by default both files are held in memory: a same-size, same-mtime rewrite is not seen', async () => {
    assert.deepEqual(await servedAfterRewrite(''), { small: SMALL, large: LARGE });
  });

  it('with a 1k threshold the small file is held in memory and the larger one is streamed from disk', async () => {
    assert.deepEqual(await servedAfterRewrite('open_file_cache_memory_file_max = "1k"\nopen_file_cache_hot_file_max = 0\n', 3), {
      small: SMALL,
      large: LARGE.toUpperCase(),
    });
  });

  it('0 streams every file', async () => {
    assert.deepEqual(await servedAfterRewrite('open_file_cache_memory_file_max = 0\nopen_file_cache_hot_file_max = 0\n'), {
      small: SMALL.toUpperCase(),
      large: LARGE.toUpperCase(),
    });
  });

  it('a streamed file is served whole, with ranges, and HEAD has its length', async () => {
    const big = Buffer.alloc(300 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const t = await makeTree({ 'big.bin': big, 'tiny.txt': 'tiny\n' });
    const s = await serveStatic(staticFromConfig(t.root, 'open_file_cache_memory_file_max = "4k"\nopen_file_cache_hot_file_max = 0\n'));
    try {
      for (let i = 0; i < 3; i++) {
        const r = await request(`${s.url}/big.bin`);
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['content-length'], String(big.length));
        assert.ok(Buffer.from(await r.body.arrayBuffer()).equals(big));
      }
      const part = await request(`${s.url}/big.bin`, { headers: { range: 'bytes=100000-100009' } });
      assert.equal(part.statusCode, 206);
      assert.ok(Buffer.from(await part.body.arrayBuffer()).equals(big.subarray(100000, 100010)));
      const head = await request(`${s.url}/big.bin`, { method: 'HEAD' });
      assert.equal(head.headers['content-length'], String(big.length));
      await head.body.dump();
      assert.equal(await body(`${s.url}/tiny.txt`), 'tiny\n');
    } finally {
      await s.close();
      await t.remove();
    }
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseConfigText } from './config/load.js';
import { renderSettingsDocs } from './config/settings.js';

const readme = () => readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('its example configuration is valid', async () => {
    const text = await readme();
    const blocks = [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(blocks.length >= 1);
    for (const block of blocks) {
      const config = parseConfigText(block, 'README.md');
      assert.ok(config.servers.length >= 1);
    }
    const example = parseConfigText(blocks[0]!, 'README.md');
    assert.equal(example.upstreams.get('app')?.servers.length, 3);
    assert.equal(example.servers[1]!.listen[0]!.http2, true);
  });

  it('lists every key as the settings table has it', async () => {
    const text = await readme();
    const section = /<!-- settings:begin -->\n([\s\S]*?)<!-- settings:end -->/.exec(text)?.[1];
    assert.equal(section, renderSettingsDocs(), 'regenerate the README section from renderSettingsDocs()');
  });
});

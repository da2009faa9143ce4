import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHelp, renderOptionsMarkdown, renderSettings } from './help.js';
import { defaultSettings, SETTING_NAMES, settingSpec } from './settings.js';

describe('settings table', () => {
  it('every default passes its own validator', () => {
    for (const name of SETTING_NAMES) {
      const spec = settingSpec(name);
      assert.deepEqual(spec.kind.check(spec.default), spec.default, name);
    }
  });

  it('flags are unique and long flags are kebab-case', () => {
    const seen = new Set<string>();
    for (const name of SETTING_NAMES) {
      for (const flag of settingSpec(name).flags) {
        assert.ok(!seen.has(flag), `duplicate flag ${flag}`);
        seen.add(flag);
        assert.match(flag, /^(-[a-z]|--[a-z][a-z0-9-]+)$/, flag);
      }
    }
  });

  it('--help lists every command-line flag with its help and default', () => {
    const help = renderHelp('9.9.9');
    for (const name of SETTING_NAMES) {
      const spec = settingSpec(name);
      for (const flag of spec.flags) assert.ok(help.includes(flag), `--help misses ${flag}`);
    }
    assert.match(help, /--workers INT\n\s+How many worker processes/);
    assert.match(help, /\[default: 127\.0\.0\.1:8000\]/);
  });

  it('the Markdown option list has a row for every setting', () => {
    const md = renderOptionsMarkdown();
    for (const name of SETTING_NAMES) {
      const spec = settingSpec(name);
      if (!spec.cliOnly) assert.ok(md.includes(`| \`${name}\` |`), `markdown misses key ${name}`);
      for (const flag of spec.flags) assert.ok(md.includes(flag), `markdown misses ${flag}`);
    }
    assert.match(md, /\| `--limit-request-line BYTES` \| `limitRequestLine` \| `8190` \|/);
  });

  it('--print-config shows every setting', () => {
    const text = renderSettings(defaultSettings());
    const lines = text.split('\n');
    assert.equal(lines.length, SETTING_NAMES.length);
    assert.ok(lines.some((l) => /^bind\s+= 127\.0\.0\.1:8000$/.test(l)));
    assert.ok(lines.some((l) => /^umask\s+= 0o000$/.test(l)));
  });
});

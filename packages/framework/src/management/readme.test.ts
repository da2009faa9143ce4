/**
 * The README documents what the code declares: every command with every option, and every
 * system check id. A new command, option or check without documentation fails here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { commands } from './registry.js';

const readme = readFile(new URL('../../README.md', import.meta.url), 'utf8');

describe('README.md matches the code', () => {
  it('lists every command with its arguments and options', async () => {
    const text = await readme;
    for (const command of commands) {
      const row = text.split('\n').find((line) => line.startsWith(`| \`${command.name}\` |`));
      assert.ok(row, `README's command table has no row for ${command.name}`);
      for (const option of command.options) assert.ok(row.includes(`\`--${option.name}`), `${command.name} --${option.name} is not documented`);
      for (const arg of command.args) assert.ok(row.includes(arg.name), `${command.name} argument ${arg.name} is not documented`);
    }
  });

  it('documents every system check id', async () => {
    const text = await readme;
    const source = await readFile(new URL('../conf/checks.ts', import.meta.url), 'utf8');
    const ids = new Set([...source.matchAll(/'((?:tsgi|urls|staticfiles|templates|security)\.[EW]\d{3})'/g)].map((m) => m[1]!));
    assert.ok(ids.size >= 30, `found ${ids.size} ids`);
    for (const id of ids) {
      const documented = id.startsWith('security.') ? new RegExp(`\\b${id.slice('security.'.length)}\\b`).test(text) : text.includes(`\`${id}\``);
      assert.ok(documented, `${id} is not documented in README.md`);
    }
  });
});

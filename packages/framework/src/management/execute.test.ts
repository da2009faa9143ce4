import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Output } from './base.js';
import { CommandError, defineCommand } from './base.js';
import { executeFromCommandLine } from './execute.js';

/** Runs the dispatcher in process with collected output. */
async function run(argv: string[], commands = [greet]) {
  let out = '';
  let err = '';
  const stdout: Output = { write: (t: string) => (out += t) };
  const stderr: Output = { write: (t: string) => (err += t) };
  const code = await executeFromCommandLine(argv, { prog: 'manage.ts', commands, stdout, stderr });
  return { code, out, err };
}

const greet = defineCommand({
  name: 'greet',
  help: 'Says hello. Second sentence not in the list.',
  args: [{ name: 'who', help: 'Who to greet.', optional: true }],
  options: [
    { name: 'shout', type: 'boolean', short: 's', help: 'Upper-case it.' },
    { name: 'times', type: 'string', metavar: 'N', default: '1', help: 'How many times.' },
  ],
  async handle({ stdout }, { args, options }) {
    const n = Number(options.times);
    if (!Number.isInteger(n) || n < 1) throw new CommandError(`--times must be a positive integer, not '${String(options.times)}'`);
    const text = `hello ${args.who ?? 'world'}`;
    for (let i = 0; i < n; i++) stdout.write(`${options.shout ? text.toUpperCase() : text}\n`);
    return 0;
  },
});

describe('the command dispatcher (commands declared as data)', () => {
  it('runs a project command with parsed arguments and options', async () => {
    assert.deepEqual(await run(['greet']), { code: 0, out: 'hello world\n', err: '' });
    assert.deepEqual(await run(['greet', 'Ada', '-s', '--times', '2']), { code: 0, out: 'HELLO ADA\nHELLO ADA\n', err: '' });
  });

  it('lists it in help with its first sentence, and prints its own usage', async () => {
    const help = await run(['help']);
    assert.match(help.out, /^ {4}greet +Says hello\.$/m);
    assert.match(help.out, /^ {4}runserver /m, 'built-ins stay');
    const one = await run(['help', 'greet']);
    assert.match(one.out, /^usage: manage\.ts greet \[--shout\] \[--times N\] \[who\]$/m);
    assert.match(one.out, /-s, --shout +Upper-case it\./);
    assert.match(one.out, /--times N +How many times\. \(default: 1\)/);
    assert.equal((await run(['greet', '--help'])).out, one.out);
  });

  it('maps CommandError to exit 1 and usage errors to exit 2', async () => {
    const failed = await run(['greet', '--times', 'x']);
    assert.equal(failed.code, 1);
    assert.equal(failed.err, "CommandError: --times must be a positive integer, not 'x'\n");
    const usage = await run(['greet', 'a', 'b']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /manage\.ts greet: error: unrecognized arguments: b/);
    const missingValue = await run(['greet', '--times']);
    assert.equal(missingValue.code, 2);
    assert.match(missingValue.err, /--times/);
  });

  it('a project command named like a built-in replaces it', async () => {
    const mine = defineCommand({ name: 'check', help: 'My own check.', handle: async ({ stdout }) => (stdout.write('mine\n'), 0) });
    assert.deepEqual(await run(['check'], [mine]), { code: 0, out: 'mine\n', err: '' });
    assert.match((await run(['help'], [mine])).out, /^ {4}check +My own check\.$/m);
  });
});

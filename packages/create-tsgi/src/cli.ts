/**
 * `create-tsgi`: the command behind `npm create tsgi@latest mysite`. Given a name it asks
 * nothing; the rest are flags.
 *
 * @example
 * ```sh
 * npm create tsgi@latest mysite
 * npx create-tsgi mysite --from ~/src/tsgi/.packs --no-install
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { CreateError } from './create-error.js';
import { createProject, nextSteps } from './create.js';

const USAGE = `usage: create-tsgi [options] NAME

Writes the project \`tsgi-admin startproject NAME\` writes into ./NAME, runs npm install there
and prints the commands to start it.

options:
  --from DIR       depend on the tarballs in DIR (\`npm run pack\` in the tsgi repository)
                   instead of the registry; default: $CREATE_TSGI_FROM
  --no-install     write the project only
  --template DIR   your own project skeleton (files ending in -tpl are rendered)
  -h, --help       this text
  -v, --version    create-tsgi's version
`;

/** What a run writes to; tests pass strings. */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Asks for the name when none is given; undefined when there is no terminal to ask on. */
  readonly ask?: ((question: string) => Promise<string>) | undefined;
}

const processIo = (): CliIo => ({
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  ask: process.stdin.isTTY ? askOnTerminal : undefined,
});

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Runs create-tsgi with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        'no-install': { type: 'boolean', default: false },
        template: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`${USAGE}\ncreate-tsgi: error: ${(error as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return io.stdout.write(USAGE), 0;
  if (values.version) return io.stdout.write(`${await version()}\n`), 0;
  if (positionals.length > 1) {
    io.stderr.write(`${USAGE}\ncreate-tsgi: error: one NAME, got ${positionals.length}: ${positionals.join(' ')}\n`);
    return 2;
  }
  const name = positionals[0] ?? (io.ask === undefined ? undefined : (await io.ask('Project name (a valid identifier, e.g. mysite): ')).trim());
  if (name === undefined || name === '') {
    io.stderr.write(`${USAGE}\ncreate-tsgi: error: NAME is required\n`);
    return 2;
  }
  const from = values.from ?? (io.env.CREATE_TSGI_FROM || undefined);
  const install = !values['no-install'];
  try {
    const target = await createProject({ name, cwd: io.cwd, from, install, template: values.template });
    io.stdout.write(nextSteps(target, io.cwd, install));
    return 0;
  } catch (error) {
    if (!(error instanceof CreateError)) throw error;
    io.stderr.write(`create-tsgi: ${error.message}\n`);
    return 1;
  }
}

async function version(): Promise<string> {
  // One level up from src/ or dist/ is the package root.
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Every TypeScript example in README.md compiles as written (strict, against this package's
 * source), and the toNodeListener example runs as written: a client that sends
 * `Expect: 100-continue` gets `100 Continue` only once the app reads the body.
 * The names an example leaves to the reader (`application`, `connectDatabase`...) are declared
 * once in PRELUDE; nothing else is added to an example.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { open, readUntilClose, waitForData } from 'tsgi-test-support';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** The reader's own names the examples use. */
const PRELUDE = `import type { ProbeApp, ProbeServerConfig } from 'tsgi/conformance';
import type { TsgiApp } from 'tsgi';
declare global {
  interface Db { close(): Promise<void> }
  const application: TsgiApp;
  function connectDatabase(): Db;
  function audit(request: Request): Promise<void>;
  function startMyServer(app: ProbeApp['app'], config: ProbeServerConfig): Promise<{ url: string; close(): Promise<void> }>;
}
export {};
`;

/** Type-checks the examples as modules of this package (so `tsgi` resolves to its source). */
function compileErrors(): string[] {
  const dir = join(packageDir, 'src', '__readme__');
  const files = new Map<string, string>([[join(dir, 'prelude.ts'), PRELUDE]]);
  examples.forEach((code, i) => files.set(join(dir, `example-${i + 1}.ts`), code));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['source'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
  };
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .map((d) => {
      const where = d.file === undefined ? '' : `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `;
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
}

describe('README.md examples', () => {
  it('compile as written', () => {
    assert.ok(examples.length >= 8, `found only ${examples.length} examples`);
    assert.deepEqual(compileErrors(), []);
  });

  describe('the toNodeListener example, run as written', () => {
    const example = examples.find((code) => code.includes('toNodeListener(application'));
    const dir = mkdtempSync(join(tmpdir(), 'tsgi-readme-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    /**
     * Runs the example in a child process with `application` defined (an app that refuses
     * `/api/refuse` without reading the body and echoes the body elsewhere) and `listen(8000)`
     * redirected to a free loopback port; resolves to the port and a stop function.
     */
    async function start(): Promise<{ port: number; stop: () => void }> {
      assert.ok(example !== undefined, 'README.md has no toNodeListener example');
      const app = `const application = async (request: Request) =>
  new URL(request.url).pathname === '/api/refuse' ? new Response('no\\n', { status: 403 }) : new Response(await request.text());
`;
      // Only the port is changed, from outside: the example's own code runs untouched.
      const preload = `import { Server } from 'node:http';
const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server) {
  this.once('listening', () => console.log('PORT=' + (this.address() as { port: number }).port));
  return listen.call(this, 0, '127.0.0.1');
} as typeof listen;
`;
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'preload.ts'), preload);
      writeFileSync(join(dir, 'example.ts'), app + example);
      // The example imports `tsgi` as a user's project would: from its node_modules (this package's source).
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(packageDir, join(dir, 'node_modules', 'tsgi'), 'dir');
      const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--conditions=source', '--import', './preload.ts', './example.ts'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the example did not listen within 20 s; output: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /PORT=(\d+)/.exec(out);
          if (m !== null) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the example exited (${code}); output: ${out}`));
        });
      });
      return { port, stop: () => child.kill() };
    }

    it('sends 100 Continue only when the app reads the body, and refuses without asking for it', async () => {
      const { port, stop } = await start();
      try {
        const refused = await open(port);
        const refusedAnswer = readUntilClose(refused);
        refused.write('POST /api/refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
        assert.match(await refusedAnswer, /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*\r\n\r\nno\n$/);

        const echo = await open(port);
        const echoAnswer = readUntilClose(echo);
        echo.write('POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
        await waitForData(echo, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
        echo.write('hello');
        assert.match(await echoAnswer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/);
      } finally {
        stop();
      }
    });
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveSettings } from './config.js';
import { AppserverError } from './errors.js';
import { tempProject } from './testing/spawn-appserver.js';

describe('resolveSettings', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
  });
  after(() => project.remove());

  const configError = async (promise: Promise<unknown>, pattern: RegExp) => {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof AppserverError, String(err));
      assert.equal(err.code, 'TSGI_APPSERVER_E_CONFIG');
      assert.match(err.message, pattern);
      return true;
    });
  };

  it('loads tsgi.config.ts by default, typed with defineConfig, through tsx', async () => {
    writeFileSync(
      join(project.dir, 'tsgi.config.ts'),
      `import { defineConfig } from 'tsgi-appserver';\nconst workers: number = 3;\nexport default defineConfig({ app: 'app.ts', workers, bind: ['127.0.0.1:9999'], keepAlive: 7 });\n`,
    );
    const { settings, configFile } = await resolveSettings([], { cwd: project.dir, env: {} });
    assert.equal(configFile, join(project.dir, 'tsgi.config.ts'));
    assert.equal(settings.workers, 3);
    assert.deepEqual(settings.bind, ['127.0.0.1:9999']);
    assert.equal(settings.keepAlive, 7);
    assert.equal(settings.app, 'app.ts');
  });

  it('merges as Gunicorn does: file < TSGI_APPSERVER_ARGS < command line', async () => {
    const { settings } = await resolveSettings(['-w', '5'], { cwd: project.dir, env: { TSGI_APPSERVER_ARGS: '-w 4 --keep-alive 9 -b 127.0.0.1:1' } });
    assert.equal(settings.workers, 5);
    assert.equal(settings.keepAlive, 9);
    assert.deepEqual(settings.bind, ['127.0.0.1:1']);
  });

  it('loads a config file written as an ES module in a package without "type": "module"', async () => {
    const dir = join(project.dir, 'untyped');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "untyped" }\n');
    writeFileSync(join(dir, 'tsgi.config.ts'), `import { defineConfig } from 'tsgi-appserver';\nexport default defineConfig({ app: 'app.ts', workers: 2 });\n`);
    const { settings } = await resolveSettings([], { cwd: dir, env: {} });
    assert.equal(settings.workers, 2);
    assert.equal(settings.app, 'app.ts');
  });

  it('names the file, line, key, value and what is allowed', async () => {
    const file = join(project.dir, 'bad.config.ts');
    writeFileSync(file, `export default {\n  app: 'app.ts',\n  workers: 'lots',\n};\n`);
    await configError(resolveSettings(['-c', file], { cwd: project.dir, env: {} }), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: workers: got "lots"; expected an integer from 1 to 1024$`));
  });

  it('refuses unknown keys with a suggestion, and command-line-only keys', async () => {
    const file = join(project.dir, 'typo.config.ts');
    writeFileSync(file, `export default { worker: 2 };\n`);
    await configError(resolveSettings(['-c', file], { cwd: project.dir, env: {} }), /typo\.config\.ts:1: unknown setting "worker"; did you mean "workers"\?/);
    writeFileSync(file, `export default { printConfig: true };\n`);
    await configError(resolveSettings(['-c', file], { cwd: project.dir, env: {} }), /"printConfig" can only be given on the command line \(--print-config\)/);
  });

  it('reports a config file that does not load, and one that is missing', async () => {
    const file = join(project.dir, 'broken.config.ts');
    writeFileSync(file, `export default {{;\n`);
    await configError(resolveSettings(['-c', file], { cwd: project.dir, env: {} }), /broken\.config\.ts: cannot load the config file/);
    await configError(resolveSettings(['-c', 'nope.ts'], { cwd: project.dir, env: {} }), /-c\/--config: nope\.ts: no such file/);
  });

  it('needs both --certfile and --keyfile', async () => {
    await assert.rejects(resolveSettings(['-c', join(project.dir, 'tsgi.config.ts'), '--certfile', 'c.pem'], { cwd: project.dir, env: {} }), /--certfile needs --keyfile too/);
    await assert.rejects(resolveSettings(['-c', join(project.dir, 'tsgi.config.ts'), '--certfile', 'c.pem', '--keyfile', 'k.pem'], { cwd: project.dir, env: {} }), /--certfile: got "c\.pem"; no such file/);
  });
});

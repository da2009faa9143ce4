// Hashed static files: collectstatic writes content-hashed copies, rewrites CSS references,
// writes staticfiles.json; a second run changes nothing; a changed file changes only its own
// entry and the CSS naming it; templates resolve names through the manifest over a socket.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from 'tsgi-test-support';
import { defineSettings } from '../conf/settings.js';
import { render } from '../shortcuts.js';
import { serveApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { collectStatic } from './collect.js';
import { StaticPostProcessError, hashFiles, rewriteCss, withHash } from './manifest.js';
import { MissingManifestEntry, staticUrl } from './static-url.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex').slice(0, 12);

/** Every file under `dir` with its mtime, relative paths sorted. */
async function snapshot(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const info = await stat(join(dir, name));
    if (info.isFile()) out.set(name, info.mtimeMs);
  }
  return out;
}

describe('collectstatic with hashed names and staticfiles.json', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let project: string;
  let root: string;
  const css = '@import "base.css";\n/* url(ignored.png) stays */\nbody { background: url("../img/logo.png?v=1#x") }\n.cdn { background: url(https://cdn.example/a.png) }\n.inline { background: url(data:image/png;base64,AAAA) }\n.abs { background: url(/static/img/logo.png) }\n';
  const base = 'h1 { color: red }\n';
  const settings = () => defineSettings({ BASE_DIR: project, STATICFILES_DIRS: ['static'], STATIC_ROOT: 'staticfiles', INSTALLED_APPS: [] });

  before(async () => {
    tmp = await tempDir('tsgi-manifest-');
    project = tmp.dir;
    root = join(project, 'staticfiles');
    await mkdir(join(project, 'static/css'), { recursive: true });
    await mkdir(join(project, 'static/img'), { recursive: true });
    await writeFile(join(project, 'static/css/site.css'), css);
    await writeFile(join(project, 'static/css/base.css'), base);
    await writeFile(join(project, 'static/img/logo.png'), 'PNG-1');
    await writeFile(join(project, 'static/app.js'), 'console.log(1)\n');
  });
  after(async () => tmp?.cleanup());

  it('writes hashed copies beside the originals, rewrites CSS references and writes the manifest', async () => {
    const result = await collectStatic(settings());
    assert.equal(result.manifestWritten, true);
    const manifest = JSON.parse(await readFile(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string>; version: string };
    assert.equal(manifest.version, '1.1');
    assert.deepEqual(Object.keys(manifest.paths), ['app.js', 'css/base.css', 'css/site.css', 'img/logo.png']);
    assert.equal(manifest.paths['img/logo.png'], `img/logo.${md5('PNG-1')}.png`);
    assert.equal(manifest.paths['css/base.css'], `css/base.${md5(base)}.css`);
    for (const [name, hashed] of Object.entries(manifest.paths)) {
      assert.match(hashed, /\.[0-9a-f]{12}\.(css|js|png)$/, name);
      assert.ok((await stat(join(root, name))).isFile(), `original ${name} is kept`);
      assert.ok((await stat(join(root, hashed))).isFile(), `hashed ${hashed} is written`);
    }
    const hashedCss = await readFile(join(root, manifest.paths['css/site.css'] as string), 'utf8');
    assert.match(hashedCss, new RegExp(`@import "base\\.${md5(base)}\\.css"`));
    assert.match(hashedCss, new RegExp(`url\\("\\.\\./img/logo\\.${md5('PNG-1')}\\.png\\?v=1#x"\\)`), 'relative url() hashed, query and fragment kept');
    assert.match(hashedCss, new RegExp(`url\\(/static/img/logo\\.${md5('PNG-1')}\\.png\\)`), 'STATIC_URL url() hashed');
    assert.match(hashedCss, /\/\* url\(ignored\.png\) stays \*\//, 'comments untouched');
    assert.match(hashedCss, /url\(https:\/\/cdn\.example\/a\.png\)/);
    assert.match(hashedCss, /url\(data:image\/png;base64,AAAA\)/);
    assert.equal(manifest.paths['css/site.css'], `css/site.${md5(hashedCss)}.css`, 'a CSS file is named for its rewritten text');
    assert.equal(await readFile(join(root, 'css/site.css'), 'utf8'), css, 'the unhashed copy is the source as written');
  });

  it('a second run changes nothing: same files, same mtimes, byte-identical manifest', async () => {
    const before = await snapshot(root);
    const manifestBefore = await readFile(join(root, 'staticfiles.json'));
    const again = await collectStatic(settings());
    assert.deepEqual(again.copied, []);
    assert.deepEqual(again.hashed, []);
    assert.equal(again.manifestWritten, false);
    assert.deepEqual(await snapshot(root), before);
    assert.deepEqual(await readFile(join(root, 'staticfiles.json')), manifestBefore);
  });

  it('a changed file changes its own entry and the CSS that names it, nothing else', async () => {
    const old = JSON.parse(await readFile(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
    await writeFile(join(project, 'static/img/logo.png'), 'PNG-2 (a new logo)');
    const result = await collectStatic(settings());
    assert.deepEqual(result.copied, ['img/logo.png']);
    assert.equal(result.manifestWritten, true);
    const now = JSON.parse(await readFile(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
    const changed = Object.keys(now.paths).filter((k) => now.paths[k] !== old.paths[k]);
    assert.deepEqual(changed, ['css/site.css', 'img/logo.png']);
    assert.deepEqual(result.hashed.sort(), [now.paths['css/site.css'], now.paths['img/logo.png']].sort());
    assert.ok((await stat(join(root, old.paths['img/logo.png'] as string))).isFile(), 'the old hashed file stays for pages still cached');
  });

  it('a CSS reference to a missing file is an error naming both', async () => {
    await assert.rejects(
      async () => rewriteCss({ path: 'css/x.css', text: 'a { background: url(../img/missing.png) }' }, () => undefined, '/static/'),
      (error: unknown) => error instanceof StaticPostProcessError && /'css\/x\.css' references '\.\.\/img\/missing\.png'/.test(error.message) && /img\/missing\.png/.test(error.message),
    );
    // CSS files importing each other never settle on a name: an error naming them.
    await writeFile(join(project, 'a.css'), '@import "b.css";');
    await writeFile(join(project, 'b.css'), '@import "a.css";');
    await assert.rejects(
      hashFiles([{ path: 'a.css', absolute: join(project, 'a.css') }, { path: 'b.css', absolute: join(project, 'b.css') }], '/static/'),
      (error: unknown) => error instanceof StaticPostProcessError && /cycle \(a\.css, b\.css\)/.test(error.message),
    );
    assert.equal(withHash('fonts/a.b.woff2', 'abcdef012345'), 'fonts/a.b.abcdef012345.woff2');
    assert.equal(withHash('LICENSE', 'abcdef012345'), 'LICENSE.abcdef012345');
  });

  it('staticUrl: unhashed in DEBUG, hashed otherwise, a missing entry or manifest is a clear error', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
    const debug = defineSettings({ BASE_DIR: project, DEBUG: true, STATIC_ROOT: 'staticfiles' });
    assert.equal(staticUrl(debug, 'css/site.css'), '/static/css/site.css');
    assert.equal(staticUrl(debug, 'a b.css'), '/static/a%20b.css');
    const production = defineSettings({ BASE_DIR: project, DEBUG: false, STATIC_ROOT: 'staticfiles' });
    assert.equal(staticUrl(production, 'css/site.css'), `/static/${manifest.paths['css/site.css']}`);
    assert.equal(staticUrl(production, '/app.js?x=1'), `/static/${manifest.paths['app.js']}?x=1`);
    assert.equal(staticUrl(production, 'https://cdn.example/x.js'), 'https://cdn.example/x.js');
    assert.throws(() => staticUrl(production, 'css/nope.css'), (e: unknown) => e instanceof MissingManifestEntry && /Missing staticfiles manifest entry for 'css\/nope\.css'/.test(e.message) && e.message.includes('staticfiles.json'));
    const noManifest = defineSettings({ BASE_DIR: project, DEBUG: false, STATIC_ROOT: 'elsewhere' });
    assert.throws(() => staticUrl(noManifest, 'css/site.css'), /Missing staticfiles manifest entry for 'css\/site\.css'.*does not exist\. Run `manage\.ts collectstatic`/);
    const nothingCollected = defineSettings({ BASE_DIR: project, DEBUG: false });
    assert.equal(staticUrl(nothingCollected, 'css/site.css'), '/static/css/site.css', 'no STATIC_ROOT: nothing was collected, the name stays');
  });

  it('a template page links the hashed CSS over a socket (DEBUG off) and the plain name in DEBUG', async () => {
    await mkdir(join(project, 'templates'), { recursive: true });
    await writeFile(join(project, 'templates/page.html'), '<link rel="stylesheet" href="<%= it.static(\'css/site.css\') %>">');
    await writeFile(join(project, 'templates/broken.html'), '<script src="<%= it.static(\'js/missing.js\') %>"></script>');
    const common = { BASE_DIR: project, STATIC_ROOT: 'staticfiles', TEMPLATES: { DIRS: ['templates'] }, ALLOWED_HOSTS: ['127.0.0.1'], SECRET_KEY: 'x'.repeat(50), MIDDLEWARE: [] };
    const urls = [path('', (request) => render(request, 'page.html')), path('broken/', (request) => render(request, 'broken.html'))];
    const production = await serveApp({ ...common, DEBUG: false, ROOT_URLCONF: urls });
    const debug = await serveApp({ ...common, DEBUG: true, ROOT_URLCONF: urls });
    try {
      const manifest = JSON.parse(await readFile(join(root, 'staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
      assert.equal(await (await fetch(production.url)).text(), `<link rel="stylesheet" href="/static/${manifest.paths['css/site.css']}">`);
      assert.equal(await (await fetch(debug.url)).text(), '<link rel="stylesheet" href="/static/css/site.css">');
      const broken = await fetch(`${production.url}/broken/`);
      assert.equal(broken.status, 500);
      await broken.arrayBuffer();
      assert.ok(production.logs.some(([, line]) => line.includes("Missing staticfiles manifest entry for 'js/missing.js'")), 'the log names the missing file');
    } finally {
      await production.close();
      await debug.close();
    }
  });
});

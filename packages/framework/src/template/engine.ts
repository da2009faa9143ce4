/**
 * Templates: eta (`<%= it.name %>` escaped, `<%~ raw %>` unescaped, `<% code %>`,
 * `<%~ include('part.html', it) %>`, `<% layout('base.html') %>`), found like Django's loaders:
 * TEMPLATES.DIRS first, then each installed app's `templates/` (APP_DIRS). Autoescape is on.
 * Compiled templates are cached unless DEBUG (so edits show up while developing).
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, dirname, extname } from 'node:path';
import { Eta } from 'eta';
import { installedApps, type ResolvedSettings } from '../conf/settings.js';
import { FrameworkError } from '../core/exceptions.js';
import { LAZY_VALUES, defineLazyValues, type LazyValues } from './lazy-context.js';
import { nameFilesInParseErrors } from './error-location.js';

/**
 * No directory holds the template; lists where it looked (Django's TemplateDoesNotExist).
 *
 * @example
 * ```ts
 * try { await render(request, 'nope.html'); } catch (e) { if (e instanceof TemplateDoesNotExist) e.tried; }
 * ```
 */
export class TemplateDoesNotExist extends FrameworkError {
  readonly tried: readonly string[];
  constructor(name: string, tried: readonly string[]) {
    super(
      `Template ${JSON.stringify(name)} does not exist. Tried:\n${tried.map((t) => `  ${t}`).join('\n') || '  (no template directories: set TEMPLATES.DIRS or install an app with templates/)'}`,
      'TSGI_FW_TEMPLATE_DOES_NOT_EXIST',
    );
    this.tried = tried;
  }
}

/**
 * The template engine of one settings object.
 *
 * @example
 * ```ts
 * const engine = new TemplateEngine(settings);
 * await engine.renderString('<%= it.n %>', { n: 1 }); // '1'
 * ```
 */
export class TemplateEngine {
  /** Directories searched, in order. */
  readonly dirs: readonly string[];
  readonly #eta: Eta;
  readonly globals: Readonly<Record<string, unknown>>;

  constructor(settings: ResolvedSettings) {
    const t = settings.TEMPLATES;
    const dirs = [...t.DIRS];
    if (t.APP_DIRS !== false) for (const app of installedApps(settings)) dirs.push(join(app.path, 'templates'));
    this.dirs = dirs.map((d) => resolve(d));
    this.globals = t.OPTIONS?.globals ?? {};
    const eta = new Eta({
      autoEscape: t.OPTIONS?.autoescape ?? true,
      cache: t.OPTIONS?.cache ?? !settings.DEBUG,
      // Eta needs a views directory for its own checks; ours is the first, resolution is ours (below).
      views: this.dirs[0] ?? settings.BASE_DIR,
      defaultExtension: '',
      debug: settings.DEBUG,
    });
    const dirsList = this.dirs;
    // Django's loader order: first directory holding the file wins; never outside them.
    eta.resolvePath = function (templatePath: string, options?: { filepath?: string }): string {
      if (options?.filepath && (templatePath.startsWith('./') || templatePath.startsWith('../'))) {
        const candidate = normalize(join(dirname(options.filepath), templatePath));
        if (dirsList.some((d) => inside(d, candidate)) && existsSync(candidate)) return candidate;
        throw new TemplateDoesNotExist(templatePath, [candidate]);
      }
      return findTemplate(dirsList, templatePath);
    };
    // Layouts and partials get a spread copy of `it`: put the lazy values back on it.
    const renderSync = eta.render;
    const renderAsync = eta.renderAsync;
    type Meta = Parameters<Eta['render']>[2];
    const lazyOf = (meta: Meta) => (meta as Record<symbol, LazyValues | undefined> | undefined)?.[LAZY_VALUES];
    eta.render = function (template, data, meta) {
      return renderSync.call(this, template, defineLazyValues(data, lazyOf(meta)), meta);
    };
    eta.renderAsync = function (template, data, meta) {
      return renderAsync.call(this, template, defineLazyValues(data, lazyOf(meta)), meta);
    };
    nameFilesInParseErrors(eta);
    this.#eta = eta;
  }

  /**
   * Renders the template `name` with `context` (available as `it.<key>` in the template).
   * `lazy` values are computed only if the template, its layout or a partial reads them.
   *
   * @example
   * ```ts
   * await engine.render('polls/index.html', { questions }, { csrfToken: () => getToken(request) });
   * ```
   */
  async render(name: string, context: Record<string, unknown>, lazy?: LazyValues): Promise<string> {
    const meta = lazy === undefined ? undefined : ({ [LAZY_VALUES]: lazy } as unknown as Parameters<Eta['renderAsync']>[2]);
    return this.#eta.renderAsync(name, defineLazyValues(context, lazy), meta);
  }

  /** Renders a template string (not a file). */
  async renderString(source: string, context: Record<string, unknown>): Promise<string> {
    return this.#eta.renderStringAsync(source, context);
  }
}

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The first `dir/name` that exists; TemplateDoesNotExist (listing them) otherwise. */
export function findTemplate(dirs: readonly string[], name: string): string {
  const clean = name.replace(/^[/\\]+/, '');
  const tried: string[] = [];
  for (const dir of dirs) {
    const candidate = normalize(join(dir, clean));
    if (!inside(dir, candidate)) continue; // '../' escapes are not templates
    tried.push(candidate);
    if (existsSync(candidate)) return candidate;
    if (!extname(clean) && existsSync(`${candidate}.eta`)) return `${candidate}.eta`;
  }
  throw new TemplateDoesNotExist(name, tried);
}

const engines = new WeakMap<ResolvedSettings, TemplateEngine>();

/**
 * The (cached) engine for `settings`.
 *
 * @example
 * ```ts
 * const html = await getTemplateEngine(request.settings).render('home.html', { user });
 * ```
 */
export function getTemplateEngine(settings: ResolvedSettings): TemplateEngine {
  let engine = engines.get(settings);
  if (engine === undefined) {
    engine = new TemplateEngine(settings);
    engines.set(settings, engine);
  }
  return engine;
}

/**
 * System checks (Django's check framework): small functions that inspect the settings and the
 * URLconf and return {@link CheckMessage}s with stable ids (`tsgi.E002`, `security.W004`,
 * `urls.W002`), each saying what is wrong and how to fix it. `manage.ts check` prints them and
 * fails on errors; `--deploy` adds the security checks a production site must pass; runserver
 * runs them at start.
 *
 * Catalogue (ids never change meaning):
 * - tsgi.E001 settings failed to load · tsgi.E002 empty SECRET_KEY without DEBUG ·
 *   tsgi.E003 empty ALLOWED_HOSTS without DEBUG · tsgi.E004 unknown middleware ·
 *   tsgi.E005 bad STATIC_URL · tsgi.E006 bad MEDIA_URL · tsgi.E007 missing app directory ·
 *   tsgi.E008 URLconf failed to load · tsgi.E009 the application module does not load (the
 *   `check` command) · tsgi.W001 no ROOT_URLCONF · tsgi.W002 duplicate middleware
 * - staticfiles.E002 STATIC_ROOT inside STATICFILES_DIRS · staticfiles.W004 missing static dir
 * - templates.W001 missing template directory
 * - urls.E004 not a pattern · urls.W002 route starts with '/' · urls.W005 namespace not unique ·
 *   urls.W006 name used twice in a namespace · urls.W010 regex syntax in path()
 * - security.W001..W025, E023, E024: Django's deployment checks (see each function).
 *
 * @example
 * ```ts
 * import { runChecks, formatCheckReport } from 'tsgi-framework/management';
 * const messages = await runChecks(settings, { deploy: true });
 * process.stdout.write(formatCheckReport(messages).text);
 * ```
 * @module
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import type { ResolvedSettings } from './settings.js';
import { installedApps } from './settings.js';
import { BUILTIN_MIDDLEWARE } from '../middleware/builtin.js';

/** Severity, numerically as Django's (DEBUG 10 .. CRITICAL 50). */
export const CheckLevel = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type CheckLevelName = keyof typeof CheckLevel;

/** One finding. `obj` names what is at fault (`settings.ALLOWED_HOSTS`, a URL pattern). */
export interface CheckMessage {
  readonly level: number;
  readonly id: string;
  readonly msg: string;
  readonly hint?: string;
  readonly obj?: string;
}

/** True for ERROR and CRITICAL: these make `check` exit non-zero and runserver refuse to start. */
export function isSerious(message: CheckMessage, failLevel: number = CheckLevel.ERROR): boolean {
  return message.level >= failLevel;
}

const error = (id: string, msg: string, hint?: string, obj?: string): CheckMessage => ({ level: CheckLevel.ERROR, id, msg, ...(hint ? { hint } : {}), ...(obj ? { obj } : {}) });
const warning = (id: string, msg: string, hint?: string, obj?: string): CheckMessage => ({ level: CheckLevel.WARNING, id, msg, ...(hint ? { hint } : {}), ...(obj ? { obj } : {}) });

/** A check function; `deploy` checks only run with `check --deploy`. */
export interface SystemCheck {
  readonly tags: readonly string[];
  readonly deploy: boolean;
  run(settings: ResolvedSettings, urlconf: unknown): CheckMessage[];
}

/** Names usable as strings in MIDDLEWARE (the framework's own table, so the two never drift). */
const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTIN_MIDDLEWARE);

function middlewareNames(settings: ResolvedSettings): string[] {
  return settings.MIDDLEWARE.map((m) => (typeof m === 'string' ? m : m.name));
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A URL setting must be a path (`/static/`) or an absolute http(s) URL, and end in `/`. */
function urlSettingProblem(value: string): string | null {
  if (value === '') return 'is empty';
  if (!value.endsWith('/')) return 'must end with a slash';
  if (value.startsWith('/')) return value.startsWith('//') ? 'must not start with //' : null;
  if (/^https?:\/\/[^/]+\//.test(value)) return null;
  return "must start with '/' or be an absolute http(s) URL";
}

// --- core settings ---------------------------------------------------------------------------

const coreChecks: SystemCheck = {
  tags: ['settings'],
  deploy: false,
  run(s) {
    const out: CheckMessage[] = [];
    if (!s.DEBUG && s.SECRET_KEY === '') {
      out.push(error('tsgi.E002', 'The SECRET_KEY setting must not be empty when DEBUG is false.',
        "Set SECRET_KEY to 50 or more random characters, e.g. from the environment: SECRET_KEY: process.env.TSGI_SECRET_KEY. Generate one with: node -e \"console.log(require('crypto').randomBytes(40).toString('base64url'))\"",
        'settings.SECRET_KEY'));
    }
    if (!s.DEBUG && s.ALLOWED_HOSTS.length === 0) {
      out.push(error('tsgi.E003', 'ALLOWED_HOSTS is empty and DEBUG is false, so every request would be refused with 400 Bad Request.',
        "List the host names this site answers to, e.g. ALLOWED_HOSTS: ['example.com', '.example.com'] (a leading dot also matches subdomains).",
        'settings.ALLOWED_HOSTS'));
    }
    const seen = new Set<unknown>();
    for (const m of s.MIDDLEWARE) {
      if (typeof m === 'string' && !BUILTIN_NAMES.includes(m)) {
        const near = BUILTIN_NAMES.find((b) => b.toLowerCase() === m.toLowerCase() || b.toLowerCase().startsWith(m.toLowerCase().slice(0, 4)));
        out.push(error('tsgi.E004', `Unknown middleware '${m}' in MIDDLEWARE.`,
          `${near ? `Did you mean '${near}'? ` : ''}Built-in names are ${BUILTIN_NAMES.join(', ')}; anything else must be a middleware factory function.`,
          'settings.MIDDLEWARE'));
      }
      if (seen.has(m)) {
        out.push(warning('tsgi.W002', `Middleware '${typeof m === 'string' ? m : m.name || 'anonymous'}' is listed more than once in MIDDLEWARE; it would run twice per request.`,
          'Remove the duplicate entry.', 'settings.MIDDLEWARE'));
      }
      seen.add(m);
    }
    const staticProblem = urlSettingProblem(s.STATIC_URL);
    if (staticProblem) {
      out.push(error('tsgi.E005', `STATIC_URL '${s.STATIC_URL}' ${staticProblem}.`,
        "Use a path such as '/static/' or a full URL such as 'https://cdn.example.com/static/'.", 'settings.STATIC_URL'));
    }
    const mediaProblem = urlSettingProblem(s.MEDIA_URL);
    if (mediaProblem) {
      out.push(error('tsgi.E006', `MEDIA_URL '${s.MEDIA_URL}' ${mediaProblem}.`, "Use a path such as '/media/'.", 'settings.MEDIA_URL'));
    } else if (s.MEDIA_URL === s.STATIC_URL) {
      out.push(error('tsgi.E006', 'MEDIA_URL and STATIC_URL must have different values.',
        "Serve uploads and static files under different prefixes, e.g. '/media/' and '/static/'.", 'settings.MEDIA_URL'));
    }
    for (const app of installedApps(s)) {
      if (!isDir(app.path)) {
        out.push(error('tsgi.E007', `Installed app '${app.name}' has no directory at ${app.path}.`,
          `Create it with 'manage.ts startapp ${app.name}', or fix the entry in INSTALLED_APPS (names are relative to BASE_DIR ${s.BASE_DIR}).`,
          'settings.INSTALLED_APPS'));
      }
    }
    if (s.ROOT_URLCONF === null) {
      out.push(warning('tsgi.W001', 'ROOT_URLCONF is not set, so every request gets 404.',
        "Point it at your URLconf, e.g. ROOT_URLCONF: () => import('./urls.js').", 'settings.ROOT_URLCONF'));
    }
    return out;
  },
};

const staticfilesChecks: SystemCheck = {
  tags: ['staticfiles'],
  deploy: false,
  run(s) {
    const out: CheckMessage[] = [];
    for (const dir of s.STATICFILES_DIRS) {
      if (s.STATIC_ROOT && (dir === s.STATIC_ROOT || isInside(dir, s.STATIC_ROOT) || isInside(s.STATIC_ROOT, dir))) {
        out.push(error('staticfiles.E002', `The STATICFILES_DIRS entry ${dir} overlaps STATIC_ROOT ${s.STATIC_ROOT}.`,
          'collectstatic copies the sources INTO STATIC_ROOT; keep the two apart (e.g. static/ and staticfiles/).', 'settings.STATICFILES_DIRS'));
      }
      if (!isDir(dir)) {
        out.push(warning('staticfiles.W004', `The directory '${dir}' in the STATICFILES_DIRS setting does not exist.`,
          'Create it or remove it from STATICFILES_DIRS.', 'settings.STATICFILES_DIRS'));
      }
    }
    for (const dir of s.TEMPLATES.DIRS) {
      if (!isDir(dir)) {
        out.push(warning('templates.W001', `The directory '${dir}' in TEMPLATES.DIRS does not exist.`,
          'Create it or remove it from TEMPLATES.DIRS.', 'settings.TEMPLATES'));
      }
    }
    return out;
  },
};

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep);
}

// --- security (deploy) -----------------------------------------------------------------------

const REFERRER_POLICIES = new Set([
  'no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin', 'same-origin',
  'strict-origin', 'strict-origin-when-cross-origin', 'unsafe-url',
]);
const COOP_VALUES = new Set(['same-origin', 'same-origin-allow-popups', 'unsafe-none', 'noopener-allow-popups']);

/** Django's weak-key rule: under 50 characters, under 5 distinct ones, or the insecure prefix. */
export function isWeakSecretKey(key: string): boolean {
  return key.length < 50 || new Set(key).size < 5 || key.startsWith('tsgi-insecure-') || key.startsWith('django-insecure-');
}

const securityChecks: SystemCheck = {
  tags: ['security'],
  deploy: true,
  run(s) {
    const out: CheckMessage[] = [];
    const mw = middlewareNames(s);
    const hasSecurity = mw.includes('SecurityMiddleware');
    const obj = 'settings';
    if (!hasSecurity) {
      out.push(warning('security.W001', "You do not have 'SecurityMiddleware' in your MIDDLEWARE so the SECURE_HSTS_SECONDS, SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY and SECURE_SSL_REDIRECT settings will have no effect.", "Add 'SecurityMiddleware' first in MIDDLEWARE.", `${obj}.MIDDLEWARE`));
    }
    if (!mw.includes('XFrameOptionsMiddleware')) {
      out.push(warning('security.W002', "You do not have 'XFrameOptionsMiddleware' in your MIDDLEWARE, so your pages will not be served with an 'X-Frame-Options' header. Unless there is a good reason for your site to be served in a frame, you should consider enabling this header to help prevent clickjacking attacks.", undefined, `${obj}.MIDDLEWARE`));
    } else if (s.X_FRAME_OPTIONS !== 'DENY') {
      out.push(warning('security.W019', "You have 'XFrameOptionsMiddleware' in your MIDDLEWARE, but X_FRAME_OPTIONS is not set to 'DENY'. Unless there is a good reason for your site to serve other parts of itself in a frame, you should change it to 'DENY'.", undefined, `${obj}.X_FRAME_OPTIONS`));
    }
    const hasCsrf = mw.includes('CsrfViewMiddleware');
    if (!hasCsrf) {
      out.push(warning('security.W003', "You don't appear to be using the framework's built-in cross-site request forgery protection via the middleware ('CsrfViewMiddleware' is not in your MIDDLEWARE). Enabling the middleware is the safest approach to ensure you don't leave any holes.", "Add 'CsrfViewMiddleware' to MIDDLEWARE.", `${obj}.MIDDLEWARE`));
    } else if (!s.CSRF_COOKIE_SECURE) {
      out.push(warning('security.W016', "You have 'CsrfViewMiddleware' in your MIDDLEWARE, but you have not set CSRF_COOKIE_SECURE to true. Using a secure-only CSRF cookie makes it more difficult for network traffic sniffers to steal the CSRF token.", 'Set CSRF_COOKIE_SECURE: true.', `${obj}.CSRF_COOKIE_SECURE`));
    }
    if (hasSecurity) {
      if (s.SECURE_HSTS_SECONDS === 0) {
        out.push(warning('security.W004', 'You have not set a value for the SECURE_HSTS_SECONDS setting. If your entire site is served only over SSL, you may want to consider setting a value and enabling HTTP Strict Transport Security. Be sure to read the documentation first; enabling HSTS carelessly can cause serious, irreversible problems.', 'Start with a small value such as SECURE_HSTS_SECONDS: 3600 and raise it (31536000 = one year) once everything works over https (RFC 6797).', `${obj}.SECURE_HSTS_SECONDS`));
      } else {
        if (!s.SECURE_HSTS_INCLUDE_SUBDOMAINS) {
          out.push(warning('security.W005', 'You have not set the SECURE_HSTS_INCLUDE_SUBDOMAINS setting to true. Without this, your site is potentially vulnerable to attack via an insecure connection to a subdomain. Only set this to true if you are certain that all subdomains of your domain should be served exclusively via SSL.', undefined, `${obj}.SECURE_HSTS_INCLUDE_SUBDOMAINS`));
        }
        if (!s.SECURE_HSTS_PRELOAD) {
          out.push(warning('security.W021', 'You have not set the SECURE_HSTS_PRELOAD setting to true. Without this, your site cannot be submitted to the browser preload list.', undefined, `${obj}.SECURE_HSTS_PRELOAD`));
        }
      }
      if (!s.SECURE_CONTENT_TYPE_NOSNIFF) {
        out.push(warning('security.W006', "Your SECURE_CONTENT_TYPE_NOSNIFF setting is not set to true, so your pages will not be served with an 'X-Content-Type-Options: nosniff' header. You should consider enabling this header to prevent the browser from identifying content types incorrectly.", undefined, `${obj}.SECURE_CONTENT_TYPE_NOSNIFF`));
      }
      if (!s.SECURE_SSL_REDIRECT) {
        out.push(warning('security.W008', 'Your SECURE_SSL_REDIRECT setting is not set to true. Unless your site should be available over both SSL and non-SSL connections, you may want to either set this setting true or configure a load balancer or reverse-proxy server (tsgi-webserver) to redirect all connections to HTTPS.', undefined, `${obj}.SECURE_SSL_REDIRECT`));
      }
      const policy = s.SECURE_REFERRER_POLICY;
      if (policy === null) {
        out.push(warning('security.W022', 'You have not set the SECURE_REFERRER_POLICY setting. Without this, your site will not send a Referrer-Policy header. You should consider enabling this header to protect user privacy.', undefined, `${obj}.SECURE_REFERRER_POLICY`));
      } else {
        const values = typeof policy === 'string' ? policy.split(',').map((v) => v.trim()) : [...policy];
        const bad = values.filter((v) => !REFERRER_POLICIES.has(v));
        if (bad.length > 0) {
          out.push(error('security.E023', `You have set the SECURE_REFERRER_POLICY setting to an invalid value: ${bad.join(', ')}.`, `Valid values are: ${[...REFERRER_POLICIES].join(', ')}.`, `${obj}.SECURE_REFERRER_POLICY`));
        }
      }
      const coop = s.SECURE_CROSS_ORIGIN_OPENER_POLICY;
      if (coop !== null && !COOP_VALUES.has(coop)) {
        out.push(error('security.E024', `You have set the SECURE_CROSS_ORIGIN_OPENER_POLICY setting to an invalid value: '${coop}'.`, `Valid values are: ${[...COOP_VALUES].join(', ')}.`, `${obj}.SECURE_CROSS_ORIGIN_OPENER_POLICY`));
      }
    }
    if (isWeakSecretKey(s.SECRET_KEY)) {
      out.push(warning('security.W009', "Your SECRET_KEY has less than 50 characters, less than 5 unique characters, or it's prefixed with 'tsgi-insecure-' indicating that it was generated automatically by startproject and committed with the source. Please generate a long and random value, otherwise many of the framework's security-critical features will be vulnerable to attack.", 'Set it from the environment in production: SECRET_KEY: process.env.TSGI_SECRET_KEY.', `${obj}.SECRET_KEY`));
    }
    s.SECRET_KEY_FALLBACKS.forEach((key, i) => {
      if (isWeakSecretKey(key)) {
        out.push(warning('security.W025', `Your SECRET_KEY_FALLBACKS[${i}] has less than 50 characters, less than 5 unique characters, or it's prefixed with 'tsgi-insecure-'.`, 'Use long random keys, or drop old keys you no longer need.', `${obj}.SECRET_KEY_FALLBACKS`));
      }
    });
    if (mw.includes('SessionMiddleware')) {
      if (!s.SESSION_COOKIE_SECURE) {
        out.push(warning('security.W012', 'SESSION_COOKIE_SECURE is not set to true. Using a secure-only session cookie makes it more difficult for network traffic sniffers to hijack user sessions.', 'Set SESSION_COOKIE_SECURE: true.', `${obj}.SESSION_COOKIE_SECURE`));
      }
      if (!s.SESSION_COOKIE_HTTPONLY) {
        out.push(warning('security.W015', 'SESSION_COOKIE_HTTPONLY is not set to true. Using an HttpOnly session cookie makes it more difficult for cross-site scripting attacks to hijack user sessions.', 'Set SESSION_COOKIE_HTTPONLY: true.', `${obj}.SESSION_COOKIE_HTTPONLY`));
      }
    }
    if (s.DEBUG) {
      out.push(warning('security.W018', 'You should not have DEBUG set to true in deployment.', 'Set DEBUG: false in production (the generated settings read TSGI_DEBUG=0).', `${obj}.DEBUG`));
    }
    if (s.ALLOWED_HOSTS.length === 0) {
      out.push(warning('security.W020', 'ALLOWED_HOSTS must not be empty in deployment.', undefined, `${obj}.ALLOWED_HOSTS`));
    }
    return out;
  },
};

// --- URLs ------------------------------------------------------------------------------------

/**
 * What the checks need to know about one URL pattern; {@link describeUrlPattern} adapts
 * the resolver's objects to it so the checks do not depend on the resolver's internals.
 */
export interface UrlPatternInfo {
  /** The route as written (`articles/<int:year>/` or a regex source). */
  readonly route: string;
  readonly isRegex: boolean;
  readonly name: string | null;
  /** Set for include(): the included patterns and their namespace. */
  readonly children?: readonly unknown[];
  readonly namespace?: string | null;
}

/**
 * Reads a URL pattern object defensively: the resolver's `path()`, `rePath()` and `include()`
 * results, or anything shaped like them. Returns null for something that is not a pattern.
 */
export function describeUrlPattern(entry: unknown): UrlPatternInfo | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const e = entry as Record<string, unknown>;
  const routeValue = e.route ?? e.pattern ?? e.regex ?? e.source;
  let route: string;
  let isRegex = false;
  if (typeof routeValue === 'string') route = routeValue;
  else if (routeValue instanceof RegExp) { route = routeValue.source; isRegex = true; }
  else if (typeof routeValue === 'object' && routeValue !== null && typeof (routeValue as { describe?: unknown }).describe === 'string') {
    // The framework's RoutePattern / RegexPattern (urls/patterns.ts).
    route = (routeValue as { describe: string }).describe;
    isRegex = routeValue.constructor?.name === 'RegexPattern';
  } else if (typeof routeValue === 'object' && routeValue !== null && typeof (routeValue as { route?: unknown }).route === 'string') {
    route = (routeValue as { route: string }).route;
    isRegex = (routeValue as { isRegex?: unknown }).isRegex === true || (routeValue as { kind?: unknown }).kind === 'regex';
  } else return null;
  if (e.isRegex === true || e.kind === 'regex' || e.type === 'regex') isRegex = true;
  const name = typeof e.name === 'string' ? e.name : null;
  const childList = e.urlpatterns ?? e.children ?? e.patterns;
  if (Array.isArray(childList)) {
    const namespace = typeof e.namespace === 'string' ? e.namespace : null;
    return { route, isRegex, name, children: childList, namespace };
  }
  return { route, isRegex, name };
}

/** Pulls the pattern list out of what ROOT_URLCONF gave (an array or a module with urlpatterns). */
export function urlpatternsOf(urlconf: unknown): unknown[] | null {
  if (Array.isArray(urlconf)) return urlconf;
  if (typeof urlconf === 'object' && urlconf !== null) {
    const list = (urlconf as { urlpatterns?: unknown; default?: unknown }).urlpatterns ?? (urlconf as { default?: unknown }).default;
    if (Array.isArray(list)) return list;
  }
  return null;
}

/** Walks the URLconf tree: urls.E004, W002, W005, W006, W010. */
export function checkUrlpatterns(urlconf: unknown): CheckMessage[] {
  const out: CheckMessage[] = [];
  const root = urlpatternsOf(urlconf);
  if (root === null) {
    if (urlconf !== null && urlconf !== undefined) {
      out.push(error('urls.E004', 'The URLconf does not export a urlpatterns array.',
        'Export `urlpatterns` from your urls.ts: export const urlpatterns = [path(...), ...].', 'ROOT_URLCONF'));
    }
    return out;
  }
  const namespaces = new Map<string, number>();
  const names = new Map<string, Map<string, string[]>>();
  const walk = (list: readonly unknown[], prefix: string, namespace: string, depth: number) => {
    if (depth > 32) return; // include() cycles cannot recurse forever
    for (const entry of list) {
      const info = describeUrlPattern(entry);
      if (!info) {
        out.push(error('urls.E004', `Your URL pattern ${shortDescription(entry)} is invalid. Ensure that urlpatterns is a list of path() and/or rePath() results.`,
          undefined, prefix ? `include('${prefix}')` : 'urlpatterns'));
        continue;
      }
      const shown = `'${prefix}${info.route}'${info.name ? ` [name='${info.name}']` : ''}`;
      if (!info.isRegex) {
        if (info.route.startsWith('/')) {
          out.push(warning('urls.W002', `Your URL pattern ${shown} has a route beginning with a '/'. Remove this slash as it is unnecessary. If this pattern is targeted in an include(), ensure the include() pattern has a trailing '/'.`, undefined, 'urlpatterns'));
        }
        if (info.route.includes('(?P<') || info.route.startsWith('^') || info.route.endsWith('$')) {
          out.push(warning('urls.W010', `Your URL pattern ${shown} has a route that contains '(?P<', begins with a '^', or ends with a '$'. This was likely an oversight when moving a regular expression into path().`, 'Use rePath() for regular expressions, or write the route with converters such as <int:id>.', 'urlpatterns'));
        }
      } else if (info.route.startsWith('^/')) {
        out.push(warning('urls.W002', `Your URL pattern ${shown} has a regex beginning with a '/'. Remove this slash as it is unnecessary.`, undefined, 'urlpatterns'));
      }
      if (info.children) {
        const ns = info.namespace ? (namespace ? `${namespace}:${info.namespace}` : info.namespace) : namespace;
        if (info.namespace) namespaces.set(ns, (namespaces.get(ns) ?? 0) + 1);
        walk(info.children, prefix + info.route, ns, depth + 1);
      } else if (info.name) {
        let byName = names.get(namespace);
        if (!byName) names.set(namespace, (byName = new Map()));
        const routes = byName.get(info.name) ?? [];
        routes.push(prefix + info.route);
        byName.set(info.name, routes);
      }
    }
  };
  walk(root, '', '', 0);
  for (const [ns, count] of namespaces) {
    if (count > 1) {
      out.push(warning('urls.W005', `URL namespace '${ns}' isn't unique. You may not be able to reverse all URLs in this namespace.`, 'Give each include() its own namespace.', 'urlpatterns'));
    }
  }
  for (const [ns, byName] of names) {
    for (const [name, routes] of byName) {
      if (routes.length > 1) {
        const full = ns ? `${ns}:${name}` : name;
        out.push(warning('urls.W006', `URL name '${full}' is used by ${routes.length} patterns (${routes.map((r) => `'${r}'`).join(', ')}); reverse('${full}') can only return one of them.`, 'Give each pattern its own name.', 'urlpatterns'));
      }
    }
  }
  return out;
}

function shortDescription(entry: unknown): string {
  if (typeof entry === 'string') return `'${entry}'`;
  if (typeof entry === 'function') return `function ${entry.name || '(anonymous)'}`;
  if (Array.isArray(entry)) return 'an array';
  return entry === null ? 'null' : typeof entry;
}

const urlChecks: SystemCheck = {
  tags: ['urls'],
  deploy: false,
  run(_s, urlconf) {
    return checkUrlpatterns(urlconf);
  },
};

/** Every registered check, in run order. */
export const SYSTEM_CHECKS: readonly SystemCheck[] = [coreChecks, staticfilesChecks, urlChecks, securityChecks];

/** Options of {@link runChecks}. */
export interface RunChecksOptions {
  /** Add the deployment (security) checks. */
  readonly deploy?: boolean;
  /** Only run checks with one of these tags. */
  readonly tags?: readonly string[];
  /** Ids to leave out (Django's SILENCED_SYSTEM_CHECKS). */
  readonly silenced?: readonly string[];
}

/**
 * Loads the URLconf (ROOT_URLCONF may be a function importing it) and runs every check.
 *
 * @example
 * ```ts
 * const problems = await runChecks(settings, { deploy: true });
 * if (problems.some((m) => isSerious(m))) process.exitCode = 1;
 * ```
 */
export async function runChecks(settings: ResolvedSettings, options: RunChecksOptions = {}): Promise<CheckMessage[]> {
  const out: CheckMessage[] = [];
  let urlconf: unknown = null;
  try {
    const conf = settings.ROOT_URLCONF;
    urlconf = typeof conf === 'function' ? await (conf as () => unknown)() : conf;
  } catch (e) {
    out.push(error('tsgi.E008', `ROOT_URLCONF failed to load: ${e instanceof Error ? e.message : String(e)}`,
      'Fix the error in your URLconf module (or a module it imports).', 'settings.ROOT_URLCONF'));
    urlconf = undefined;
  }
  for (const check of SYSTEM_CHECKS) {
    if (check.deploy && !options.deploy) continue;
    if (options.tags && !check.tags.some((t) => options.tags!.includes(t))) continue;
    if (urlconf === undefined && check.tags.includes('urls')) continue;
    out.push(...check.run(settings, urlconf));
  }
  const silenced = new Set(options.silenced ?? []);
  const silencedSetting = (settings as Record<string, unknown>).SILENCED_SYSTEM_CHECKS;
  if (Array.isArray(silencedSetting)) for (const id of silencedSetting) if (typeof id === 'string') silenced.add(id);
  return out.filter((m) => !silenced.has(m.id));
}

/**
 * Formats messages as Django does (`ERRORS:` / `WARNINGS:` sections, then a count) and says
 * whether the run failed at `failLevel`.
 */
export function formatCheckReport(messages: readonly CheckMessage[], failLevel: number = CheckLevel.ERROR, silencedCount = 0): { text: string; failed: boolean } {
  const sections: [string, (m: CheckMessage) => boolean][] = [
    ['CRITICALS', (m) => m.level >= CheckLevel.CRITICAL],
    ['ERRORS', (m) => m.level >= CheckLevel.ERROR && m.level < CheckLevel.CRITICAL],
    ['WARNINGS', (m) => m.level >= CheckLevel.WARNING && m.level < CheckLevel.ERROR],
    ['INFOS', (m) => m.level >= CheckLevel.INFO && m.level < CheckLevel.WARNING],
    ['DEBUGS', (m) => m.level < CheckLevel.INFO],
  ];
  const failed = messages.some((m) => isSerious(m, failLevel));
  let body = '';
  for (const [title, test] of sections) {
    const group = messages.filter(test);
    if (group.length === 0) continue;
    body += `\n${title}:\n`;
    for (const m of group) {
      body += `${m.obj ?? '?'}: (${m.id}) ${m.msg}\n`;
      if (m.hint) body += `\tHINT: ${m.hint}\n`;
    }
  }
  const n = messages.length;
  const summary = `System check identified ${n === 0 ? 'no issues' : n === 1 ? '1 issue' : `${n} issues`} (${silencedCount} silenced).`;
  const header = n === 0 ? '' : failed ? 'SystemCheckError: System check identified some issues:\n' : 'System check identified some issues:\n';
  return { text: `${header}${body}${n === 0 ? '' : '\n'}${summary}\n`, failed };
}

/**
 * Settings: one typed object instead of Django's settings module. `defineSettings()` takes
 * what the project wrote, fills Django's defaults for everything else and checks every value's
 * type, so a typo fails at startup with the key's name rather than at the first request.
 *
 * Every setting is declared once in {@link SETTING_DEFINITIONS} (name, default, check, help):
 * the defaults, the validation and `tsgi-admin check`'s messages all come from that table.
 *
 * @example
 * ```ts
 * import { defineSettings } from 'tsgi-framework';
 * import { urlpatterns } from './urls.js';
 *
 * export const settings = defineSettings({
 *   DEBUG: process.env.DEBUG === '1',
 *   SECRET_KEY: process.env.SECRET_KEY ?? 'dev-only-insecure-key',
 *   ALLOWED_HOSTS: ['example.com', '.example.com'],
 *   ROOT_URLCONF: urlpatterns,
 *   TEMPLATES: { DIRS: [new URL('./templates', import.meta.url).pathname] },
 * });
 * ```
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import type { HttpRequest } from '../http/request.js';
import type { Middleware, ResponseLike } from '../core/types.js';
import type { UrlConf } from '../urls/resolver.js';
import { ImproperlyConfigured } from '../core/exceptions.js';
import type { SessionStore } from '../sessions/store.js';
import type { SessionEngineName } from '../sessions/engine.js';

/** Log levels understood by `LOGGING.level`, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `SameSite` cookie attribute values (RFC 6265bis section 4.1.2.7); `false` omits the attribute. */
export type SameSite = 'Strict' | 'Lax' | 'None' | false;

/** The names of the framework's built-in middleware, usable as strings in `MIDDLEWARE`. */
export type BuiltinMiddlewareName =
  | 'SecurityMiddleware'
  | 'SessionMiddleware'
  | 'CommonMiddleware'
  | 'CsrfViewMiddleware'
  | 'XFrameOptionsMiddleware';

/** An installed app: a directory holding `templates/` and `static/`, with an optional ready hook. */
export interface AppConfig {
  /** The app's label, e.g. `polls`. */
  readonly name: string;
  /** The app's directory (absolute, or relative to `BASE_DIR`); defaults to `BASE_DIR/name`. */
  readonly path?: string;
  /** Runs once in `startup`, after settings are checked (Django's `AppConfig.ready()`). */
  ready?(settings: Settings): void | Promise<void>;
}

/** The template engine's configuration (eta; a single backend, unlike Django's list). */
export interface TemplateSettings {
  /** Directories searched first, in order (absolute, or relative to `BASE_DIR`). */
  readonly DIRS: readonly string[];
  /** Also search `<app>/templates` of every installed app (after `DIRS`). Default true. */
  readonly APP_DIRS?: boolean;
  readonly OPTIONS?: {
    /** HTML-escape `<%= %>` output (default true). `<%~ %>` prints raw. */
    readonly autoescape?: boolean;
    /** Cache compiled templates (default: `!DEBUG`, so edits show up while developing). */
    readonly cache?: boolean;
    /** Values every template sees as `it.<name>` unless the view passes its own. */
    readonly globals?: Readonly<Record<string, unknown>>;
  };
}

/** The logging configuration: where the framework's messages go is the server's log (`context.log`). */
export interface LoggingSettings {
  /** Messages below this level are dropped. Default `info`. */
  readonly level: LogLevel;
}

/** A view used for an error page: gets the request and the error, returns a response. */
export type ErrorView = (request: HttpRequest, error?: unknown) => ResponseLike | Promise<ResponseLike>;

/**
 * Every setting the framework reads, each with a default filled by {@link defineSettings}.
 * Names follow Django's so its documentation applies.
 */
export interface Settings {
  /** Shows technical error pages with stack traces and settings (secrets masked). Never in production. */
  readonly DEBUG: boolean;
  /** Signs session cookies and other signed values. Keep it secret; at least 50 random characters. */
  readonly SECRET_KEY: string;
  /** Older keys still accepted when verifying signatures (key rotation); new values are signed with `SECRET_KEY`. */
  readonly SECRET_KEY_FALLBACKS: readonly string[];
  /** Directory relative paths in settings are resolved against. Default: the working directory. */
  readonly BASE_DIR: string;
  /**
   * Host names this site serves (the Host header, port removed). `.example.com` matches the
   * domain and its subdomains, `*` matches anything. With DEBUG and an empty list, localhost,
   * 127.0.0.1 and [::1] are allowed (Django's rule).
   */
  readonly ALLOWED_HOSTS: readonly string[];
  /** Installed apps (directories with `templates/` and `static/`; names are relative to BASE_DIR). */
  readonly INSTALLED_APPS: readonly (string | AppConfig)[];
  /** The middleware, outermost first: factories or built-in names. Built once at startup. */
  readonly MIDDLEWARE: readonly (Middleware | BuiltinMiddlewareName)[];
  /** The URL configuration: a `urlpatterns` array, a module with `urlpatterns`, or a function loading one. */
  readonly ROOT_URLCONF: UrlConf | (() => UrlConf | Promise<UrlConf>) | null;
  /** The template engine. */
  readonly TEMPLATES: TemplateSettings;
  /** Charset of text responses and of request bodies without one. Default `utf-8`. */
  readonly DEFAULT_CHARSET: string;

  /** URL prefix static files are served under, ending in `/`. Default `/static/`. */
  readonly STATIC_URL: string;
  /** Directory `collectstatic` copies static files into; null until set. */
  readonly STATIC_ROOT: string | null;
  /** Extra directories of static files, besides each app's `static/`. */
  readonly STATICFILES_DIRS: readonly string[];
  /** URL prefix of user uploads, ending in `/`. */
  readonly MEDIA_URL: string;
  /** Directory of user uploads. */
  readonly MEDIA_ROOT: string | null;

  /** Largest body read into memory by `request.body`/`POST`/`json()` (files excluded); beyond it 413. null = no limit. Default 2.5 MiB. */
  readonly DATA_UPLOAD_MAX_MEMORY_SIZE: number | null;
  /** Most fields in a query string or form; beyond it 400 TooManyFieldsSent. null = no limit. Default 1000. */
  readonly DATA_UPLOAD_MAX_NUMBER_FIELDS: number | null;
  /** Most files in one multipart body; beyond it 400 TooManyFilesSent. null = no limit. Default 100. */
  readonly DATA_UPLOAD_MAX_NUMBER_FILES: number | null;
  /** Uploaded files up to this size stay in memory; bigger ones stream to a temp file. Default 2.5 MiB. */
  readonly FILE_UPLOAD_MAX_MEMORY_SIZE: number;
  /** Largest single uploaded file; beyond it 413. null = no limit. */
  readonly FILE_UPLOAD_MAX_SIZE: number | null;
  /** Where uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go; null = the OS temp directory. */
  readonly FILE_UPLOAD_TEMP_DIR: string | null;

  /** CommonMiddleware: redirect `/path` to `/path/` when only the latter resolves. Default true. */
  readonly APPEND_SLASH: boolean;
  /** CommonMiddleware: User-Agent patterns refused with 403. */
  readonly DISALLOWED_USER_AGENTS: readonly RegExp[];
  /**
   * `[header, value]` a trusted proxy sets on HTTPS requests, e.g. `['X-Forwarded-Proto', 'https']`.
   * Only set it when the proxy strips that header from client requests. The TSGI server's own
   * trusted-proxy handling (`context.scheme`) is used when this is null.
   */
  readonly SECURE_PROXY_SSL_HEADER: readonly [string, string] | null;
  /**
   * Use X-Forwarded-Host over Host from any peer, as Django does (only behind a proxy that sets
   * it). Not needed behind a proxy the TSGI server trusts: its X-Forwarded-Host is already the
   * host of `request.url`, which `getHost()` follows. Default false.
   */
  readonly USE_X_FORWARDED_HOST: boolean;
  /** Use X-Forwarded-Port for the port in `getPort()`. Default false. */
  readonly USE_X_FORWARDED_PORT: boolean;

  /** Origins trusted for unsafe requests besides the request's own host, e.g. `https://*.example.com`. */
  readonly CSRF_TRUSTED_ORIGINS: readonly string[];
  readonly CSRF_COOKIE_NAME: string;
  /** Seconds; null = a session cookie. Default one year. */
  readonly CSRF_COOKIE_AGE: number | null;
  readonly CSRF_COOKIE_DOMAIN: string | null;
  readonly CSRF_COOKIE_PATH: string;
  readonly CSRF_COOKIE_SECURE: boolean;
  readonly CSRF_COOKIE_HTTPONLY: boolean;
  readonly CSRF_COOKIE_SAMESITE: SameSite;
  /** Request header carrying the token (as sent by clients). Default `X-CSRFToken`. */
  readonly CSRF_HEADER_NAME: string;
  /** View answering CSRF failures (default: a 403 page saying why). */
  readonly CSRF_FAILURE_VIEW: ErrorView | null;

  readonly SESSION_COOKIE_NAME: string;
  /** Seconds a session lives. Default two weeks. */
  readonly SESSION_COOKIE_AGE: number;
  readonly SESSION_COOKIE_DOMAIN: string | null;
  readonly SESSION_COOKIE_PATH: string;
  readonly SESSION_COOKIE_SECURE: boolean;
  readonly SESSION_COOKIE_HTTPONLY: boolean;
  readonly SESSION_COOKIE_SAMESITE: SameSite;
  readonly SESSION_COOKIE_PARTITIONED: boolean;
  /** Resave (and re-send) the session on every request, not only when it changed. */
  readonly SESSION_SAVE_EVERY_REQUEST: boolean;
  /** Session cookies without Max-Age (gone when the browser closes). */
  readonly SESSION_EXPIRE_AT_BROWSER_CLOSE: boolean;
  /**
   * Where sessions are kept: `'signed_cookies'` (default: in the cookie, signed; logout cannot
   * end a copied cookie), `'redis'` (needs SESSION_REDIS_URL), `'memory'` (one process; tests),
   * or a `SessionStore` object.
   */
  readonly SESSION_ENGINE: SessionEngineName | SessionStore;
  /** Redis URL of the `'redis'` session engine, e.g. `redis://127.0.0.1:6379/0`. */
  readonly SESSION_REDIS_URL: string | null;
  /** Messages below this level are dropped (`messages.debug` needs 10). Default 20 (info). */
  readonly MESSAGE_LEVEL: number;

  /** Strict-Transport-Security max-age in seconds (RFC 6797); 0 = header not sent. */
  readonly SECURE_HSTS_SECONDS: number;
  readonly SECURE_HSTS_INCLUDE_SUBDOMAINS: boolean;
  readonly SECURE_HSTS_PRELOAD: boolean;
  /** `X-Content-Type-Options: nosniff`. Default true. */
  readonly SECURE_CONTENT_TYPE_NOSNIFF: boolean;
  /** `Referrer-Policy` value(s); null = not sent. Default `same-origin`. */
  readonly SECURE_REFERRER_POLICY: string | readonly string[] | null;
  /** `Cross-Origin-Opener-Policy`; null = not sent. Default `same-origin`. */
  readonly SECURE_CROSS_ORIGIN_OPENER_POLICY: string | null;
  /** Redirect http to https (301). Default false. */
  readonly SECURE_SSL_REDIRECT: boolean;
  /** Host to redirect to instead of the request's. */
  readonly SECURE_SSL_HOST: string | null;
  /** Paths (regular expressions, without the leading slash) exempt from the SSL redirect. */
  readonly SECURE_REDIRECT_EXEMPT: readonly RegExp[];
  /** `X-Frame-Options` value. Default `DENY`. */
  readonly X_FRAME_OPTIONS: 'DENY' | 'SAMEORIGIN';

  /** View for 400 (else a plain page; the URLconf module's `handler400` wins). */
  readonly handler400: ErrorView | null;
  readonly handler403: ErrorView | null;
  readonly handler404: ErrorView | null;
  readonly handler500: ErrorView | null;
  /** Logging. */
  readonly LOGGING: LoggingSettings;
}

/** What a project writes: any subset of {@link Settings}; the rest gets defaults. */
export type SettingsInput = { readonly [K in keyof Settings]?: Settings[K] } & {
  /** Project-specific settings are kept (UPPER_CASE), as in Django. */
  readonly [extra: string]: unknown;
};

/** Settings after {@link defineSettings}: every key filled, paths absolute, frozen. */
export type ResolvedSettings = Settings & { readonly [extra: string]: unknown };

/** One entry of the settings table. */
export interface SettingDefinition {
  readonly name: keyof Settings;
  /** The default (functions make a fresh value each time). */
  readonly default: unknown;
  /** Returns null when the value is acceptable, else what was expected ("a boolean"). */
  readonly check: (value: unknown) => string | null;
  readonly help: string;
}

const MiB = 1024 * 1024;

const isBool = (v: unknown) => (typeof v === 'boolean' ? null : 'a boolean');
const isString = (v: unknown) => (typeof v === 'string' ? null : 'a string');
const isStringOrNull = (v: unknown) => (v === null || typeof v === 'string' ? null : 'a string or null');
const isStringArray = (v: unknown) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'an array of strings';
const isRegExpArray = (v: unknown) =>
  Array.isArray(v) && v.every((x) => x instanceof RegExp) ? null : 'an array of RegExp';
const isCount = (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : 'a non-negative integer';
const isCountOrNull = (v: unknown) => (v === null ? null : isCount(v) && 'a non-negative integer or null');
const isFnOrNull = (v: unknown) => (v === null || typeof v === 'function' ? null : 'a function or null');
const isSameSite = (v: unknown) =>
  v === false || v === 'Strict' || v === 'Lax' || v === 'None' ? null : "'Strict', 'Lax', 'None' or false";

/**
 * The settings table: every setting once, with its default, its check and its help text.
 * `defineSettings` and `tsgi-admin check` both read it.
 *
 * @example
 * ```ts
 * SETTING_DEFINITIONS.find((d) => d.name === 'APPEND_SLASH')?.help; // 'redirect to the slashed URL when it resolves'
 * ```
 */
export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  { name: 'DEBUG', default: false, check: isBool, help: 'technical error pages; never in production' },
  { name: 'SECRET_KEY', default: '', check: isString, help: 'key signing sessions and tokens' },
  { name: 'SECRET_KEY_FALLBACKS', default: () => [], check: isStringArray, help: 'old keys still verified' },
  { name: 'BASE_DIR', default: () => process.cwd(), check: isString, help: 'base of relative paths' },
  { name: 'ALLOWED_HOSTS', default: () => [], check: isStringArray, help: 'host names served' },
  {
    name: 'INSTALLED_APPS',
    default: () => [],
    check: (v) =>
      Array.isArray(v) && v.every((x) => typeof x === 'string' || (typeof x === 'object' && x !== null && typeof (x as AppConfig).name === 'string'))
        ? null
        : 'an array of app directory names or { name, path?, ready? } objects',
    help: 'installed apps',
  },
  {
    name: 'MIDDLEWARE',
    default: () => [...DEFAULT_MIDDLEWARE],
    check: (v) =>
      Array.isArray(v) && v.every((x) => typeof x === 'function' || typeof x === 'string')
        ? null
        : 'an array of middleware factories or built-in middleware names',
    help: 'middleware, outermost first',
  },
  {
    name: 'ROOT_URLCONF',
    default: null,
    check: (v) =>
      v === null || Array.isArray(v) || typeof v === 'function' || (typeof v === 'object' && Array.isArray((v as { urlpatterns?: unknown }).urlpatterns))
        ? null
        : 'a urlpatterns array, a module with `urlpatterns`, or a function returning one',
    help: 'the root URL configuration',
  },
  {
    name: 'TEMPLATES',
    default: () => ({ DIRS: [], APP_DIRS: true, OPTIONS: {} }),
    check: (v) =>
      typeof v === 'object' && v !== null && isStringArray((v as TemplateSettings).DIRS) === null
        ? null
        : '{ DIRS: string[], APP_DIRS?: boolean, OPTIONS?: {...} }',
    help: 'template engine',
  },
  { name: 'DEFAULT_CHARSET', default: 'utf-8', check: isString, help: 'charset of text' },
  { name: 'STATIC_URL', default: '/static/', check: isString, help: 'URL prefix of static files' },
  { name: 'STATIC_ROOT', default: null, check: isStringOrNull, help: 'collectstatic target' },
  { name: 'STATICFILES_DIRS', default: () => [], check: isStringArray, help: 'extra static directories' },
  { name: 'MEDIA_URL', default: '/media/', check: isString, help: 'URL prefix of uploads' },
  { name: 'MEDIA_ROOT', default: null, check: isStringOrNull, help: 'directory of uploads' },
  { name: 'DATA_UPLOAD_MAX_MEMORY_SIZE', default: 2.5 * MiB, check: isCountOrNull, help: 'largest non-file body (413 beyond)' },
  { name: 'DATA_UPLOAD_MAX_NUMBER_FIELDS', default: 1000, check: isCountOrNull, help: 'most form/query fields (400 beyond)' },
  { name: 'DATA_UPLOAD_MAX_NUMBER_FILES', default: 100, check: isCountOrNull, help: 'most uploaded files (400 beyond)' },
  { name: 'FILE_UPLOAD_MAX_MEMORY_SIZE', default: 2.5 * MiB, check: isCount, help: 'uploads above go to temp files' },
  { name: 'FILE_UPLOAD_MAX_SIZE', default: null, check: isCountOrNull, help: 'largest uploaded file (413 beyond)' },
  { name: 'FILE_UPLOAD_TEMP_DIR', default: null, check: isStringOrNull, help: 'temp directory of uploads' },
  { name: 'APPEND_SLASH', default: true, check: isBool, help: 'redirect to the slashed URL when it resolves' },
  { name: 'DISALLOWED_USER_AGENTS', default: () => [], check: isRegExpArray, help: 'User-Agents refused' },
  {
    name: 'SECURE_PROXY_SSL_HEADER',
    default: null,
    check: (v) =>
      v === null || (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'))
        ? null
        : "null or a [header, value] pair such as ['X-Forwarded-Proto', 'https']",
    help: 'header a trusted proxy sets on https requests',
  },
  { name: 'USE_X_FORWARDED_HOST', default: false, check: isBool, help: 'trust X-Forwarded-Host from any peer (a trusted proxy\'s is already in request.url)' },
  { name: 'USE_X_FORWARDED_PORT', default: false, check: isBool, help: 'trust X-Forwarded-Port' },
  { name: 'CSRF_TRUSTED_ORIGINS', default: () => [], check: isStringArray, help: 'origins allowed for unsafe requests' },
  { name: 'CSRF_COOKIE_NAME', default: 'csrftoken', check: isString, help: 'CSRF cookie name' },
  { name: 'CSRF_COOKIE_AGE', default: 60 * 60 * 24 * 365, check: isCountOrNull, help: 'CSRF cookie lifetime (s)' },
  { name: 'CSRF_COOKIE_DOMAIN', default: null, check: isStringOrNull, help: 'CSRF cookie domain' },
  { name: 'CSRF_COOKIE_PATH', default: '/', check: isString, help: 'CSRF cookie path' },
  { name: 'CSRF_COOKIE_SECURE', default: false, check: isBool, help: 'CSRF cookie only over https' },
  { name: 'CSRF_COOKIE_HTTPONLY', default: false, check: isBool, help: 'CSRF cookie hidden from scripts' },
  { name: 'CSRF_COOKIE_SAMESITE', default: 'Lax', check: isSameSite, help: 'CSRF cookie SameSite' },
  { name: 'CSRF_HEADER_NAME', default: 'X-CSRFToken', check: isString, help: 'header carrying the CSRF token' },
  { name: 'CSRF_FAILURE_VIEW', default: null, check: isFnOrNull, help: 'view answering CSRF failures' },
  { name: 'SESSION_COOKIE_NAME', default: 'sessionid', check: isString, help: 'session cookie name' },
  { name: 'SESSION_COOKIE_AGE', default: 60 * 60 * 24 * 7 * 2, check: isCount, help: 'session lifetime (s)' },
  { name: 'SESSION_COOKIE_DOMAIN', default: null, check: isStringOrNull, help: 'session cookie domain' },
  { name: 'SESSION_COOKIE_PATH', default: '/', check: isString, help: 'session cookie path' },
  { name: 'SESSION_COOKIE_SECURE', default: false, check: isBool, help: 'session cookie only over https' },
  { name: 'SESSION_COOKIE_HTTPONLY', default: true, check: isBool, help: 'session cookie hidden from scripts' },
  { name: 'SESSION_COOKIE_SAMESITE', default: 'Lax', check: isSameSite, help: 'session cookie SameSite' },
  { name: 'SESSION_COOKIE_PARTITIONED', default: false, check: isBool, help: 'session cookie Partitioned (CHIPS)' },
  { name: 'SESSION_SAVE_EVERY_REQUEST', default: false, check: isBool, help: 'resend the session every request' },
  { name: 'SESSION_EXPIRE_AT_BROWSER_CLOSE', default: false, check: isBool, help: 'session cookie without Max-Age' },
  {
    name: 'SESSION_ENGINE',
    default: 'signed_cookies',
    check: (v) =>
      v === 'signed_cookies' || v === 'redis' || v === 'memory' || (typeof v === 'object' && v !== null && typeof (v as SessionStore).load === 'function' && typeof (v as SessionStore).save === 'function')
        ? null
        : "'signed_cookies', 'redis', 'memory' or a SessionStore object",
    help: 'where sessions are kept',
  },
  {
    name: 'SESSION_REDIS_URL',
    default: null,
    check: (v) => (v === null || (typeof v === 'string' && /^rediss?:\/\//.test(v)) ? null : "null or a redis:// or rediss:// URL"),
    help: "Redis of the 'redis' session engine",
  },
  { name: 'MESSAGE_LEVEL', default: 20, check: isCount, help: 'lowest message level recorded' },
  { name: 'SECURE_HSTS_SECONDS', default: 0, check: isCount, help: 'Strict-Transport-Security max-age' },
  { name: 'SECURE_HSTS_INCLUDE_SUBDOMAINS', default: false, check: isBool, help: 'HSTS includeSubDomains' },
  { name: 'SECURE_HSTS_PRELOAD', default: false, check: isBool, help: 'HSTS preload' },
  { name: 'SECURE_CONTENT_TYPE_NOSNIFF', default: true, check: isBool, help: 'X-Content-Type-Options: nosniff' },
  {
    name: 'SECURE_REFERRER_POLICY',
    default: 'same-origin',
    check: (v) => (v === null || typeof v === 'string' || isStringArray(v) === null ? null : 'a string, an array of strings or null'),
    help: 'Referrer-Policy',
  },
  { name: 'SECURE_CROSS_ORIGIN_OPENER_POLICY', default: 'same-origin', check: isStringOrNull, help: 'Cross-Origin-Opener-Policy' },
  { name: 'SECURE_SSL_REDIRECT', default: false, check: isBool, help: 'redirect http to https' },
  { name: 'SECURE_SSL_HOST', default: null, check: isStringOrNull, help: 'host of the https redirect' },
  { name: 'SECURE_REDIRECT_EXEMPT', default: () => [], check: isRegExpArray, help: 'paths not redirected to https' },
  {
    name: 'X_FRAME_OPTIONS',
    default: 'DENY',
    check: (v) => (v === 'DENY' || v === 'SAMEORIGIN' ? null : "'DENY' or 'SAMEORIGIN'"),
    help: 'X-Frame-Options',
  },
  { name: 'handler400', default: null, check: isFnOrNull, help: 'view for 400 pages' },
  { name: 'handler403', default: null, check: isFnOrNull, help: 'view for 403 pages' },
  { name: 'handler404', default: null, check: isFnOrNull, help: 'view for 404 pages' },
  { name: 'handler500', default: null, check: isFnOrNull, help: 'view for 500 pages' },
  {
    name: 'LOGGING',
    default: () => ({ level: 'info' }),
    check: (v) =>
      typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].includes((v as LoggingSettings).level)
        ? null
        : "{ level: 'debug' | 'info' | 'warn' | 'error' }",
    help: 'log level',
  },
];

/**
 * The middleware `startproject` lists, in Django's order.
 *
 * @example
 * ```ts
 * defineSettings({ MIDDLEWARE: [...DEFAULT_MIDDLEWARE, myMiddleware] });
 * ```
 */
export const DEFAULT_MIDDLEWARE: readonly BuiltinMiddlewareName[] = [
  'SecurityMiddleware',
  'SessionMiddleware',
  'CommonMiddleware',
  'CsrfViewMiddleware',
  'XFrameOptionsMiddleware',
];

const RESOLVED = Symbol.for('tsgi-framework.settings');

/**
 * Fills every missing setting with its default, checks each value's type and makes paths
 * absolute. Throws {@link ImproperlyConfigured} naming the key and what was expected.
 * Already-defined settings are returned as they are.
 *
 * @example
 * ```ts
 * const settings = defineSettings({ DEBUG: true, ROOT_URLCONF: [path('', home)] });
 * settings.APPEND_SLASH; // true
 * ```
 */
export function defineSettings(input: SettingsInput = {}): ResolvedSettings {
  if ((input as Record<symbol, unknown>)[RESOLVED]) return input as ResolvedSettings;
  if (typeof input !== 'object' || input === null) {
    throw new ImproperlyConfigured(`settings must be an object, got ${describe(input)}`);
  }
  const out: Record<string, unknown> = { ...input };
  for (const def of SETTING_DEFINITIONS) {
    let value = out[def.name];
    if (value === undefined) {
      value = typeof def.default === 'function' ? (def.default as () => unknown)() : def.default;
    } else {
      const expected = def.check(value);
      if (expected) {
        throw new ImproperlyConfigured(`settings.${def.name} must be ${expected}, got ${describe(value)}`, def.name);
      }
    }
    out[def.name] = value;
  }
  const base = resolve(out.BASE_DIR as string);
  out.BASE_DIR = base;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const templates = out.TEMPLATES as TemplateSettings;
  out.TEMPLATES = Object.freeze({
    DIRS: templates.DIRS.map(abs),
    APP_DIRS: templates.APP_DIRS ?? true,
    OPTIONS: { ...templates.OPTIONS },
  });
  out.STATICFILES_DIRS = (out.STATICFILES_DIRS as string[]).map(abs);
  if (out.STATIC_ROOT) out.STATIC_ROOT = abs(out.STATIC_ROOT as string);
  if (out.MEDIA_ROOT) out.MEDIA_ROOT = abs(out.MEDIA_ROOT as string);
  if (out.FILE_UPLOAD_TEMP_DIR) out.FILE_UPLOAD_TEMP_DIR = abs(out.FILE_UPLOAD_TEMP_DIR as string);
  Object.defineProperty(out, RESOLVED, { value: true });
  return Object.freeze(out) as ResolvedSettings;
}

/** An installed app with its absolute directory. */
export interface ResolvedApp {
  readonly name: string;
  readonly path: string;
  readonly config: AppConfig | null;
}

/**
 * The installed apps with absolute directories (`templates/` and `static/` live inside them).
 *
 * @example
 * ```ts
 * installedApps(settings).map((app) => `${app.path}/static`);
 * ```
 */
export function installedApps(settings: Settings): ResolvedApp[] {
  return settings.INSTALLED_APPS.map((app) => {
    if (typeof app === 'string') {
      return { name: app.split(/[\\/]/).filter(Boolean).pop() ?? app, path: resolve(settings.BASE_DIR, app), config: null };
    }
    return { name: app.name, path: resolve(settings.BASE_DIR, app.path ?? app.name), config: app };
  });
}

/**
 * Settings keys whose values are masked on debug pages (Django's `HIDDEN_SETTINGS`).
 *
 * @example
 * ```ts
 * HIDDEN_SETTINGS.test('STRIPE_API_KEY'); // true: shown as ******** on debug pages
 * ```
 */
export const HIDDEN_SETTINGS = /API|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE/i;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return typeof value;
}

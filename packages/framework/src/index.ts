/**
 * tsgi-framework: Django's core in TypeScript, as a TSGI application.
 *
 * @example
 * ```ts
 * import { defineSettings, getTsgiApplication, path, JsonResponse } from 'tsgi-framework';
 * const settings = defineSettings({
 *   DEBUG: true,
 *   SECRET_KEY: 'change-me',
 *   ROOT_URLCONF: [path('hello/<str:name>/', (request) => new JsonResponse({ hello: request.params.name }))],
 * });
 * export const application = getTsgiApplication(settings);
 * ```
 * @module
 */

// Settings and the application.
export {
  defineSettings,
  installedApps,
  SETTING_DEFINITIONS,
  DEFAULT_MIDDLEWARE,
  HIDDEN_SETTINGS,
  type Settings,
  type SettingsInput,
  type ResolvedSettings,
  type SettingDefinition,
  type AppConfig,
  type ResolvedApp,
  type TemplateSettings,
  type LoggingSettings,
  type LogLevel,
  type SameSite,
  type BuiltinMiddlewareName,
  type ErrorView,
} from './conf/settings.js';
export { getTsgiApplication, type TsgiApplication } from './core/handler.js';
export type { View as ViewFunction, ViewAttributes, GetResponse, Middleware, MiddlewareHandler, ResponseLike, RouteParams } from './core/types.js';
export { settle, type MaybePromise } from './core/settle.js';

// Errors.
export {
  FrameworkError,
  ImproperlyConfigured,
  Http404,
  Resolver404,
  PermissionDenied,
  BadRequest,
  SuspiciousOperation,
  DisallowedHost,
  DisallowedRedirect,
  TooManyFieldsSent,
  TooManyFilesSent,
  SuspiciousMultipartForm,
  RequestDataTooBig,
  SuspiciousSession,
  MethodNotAllowed,
  NoReverseMatch,
  RawPostDataException,
  EXCEPTION_STATUS,
  statusForError,
  type TriedPattern,
} from './core/exceptions.js';
export { TimestampSigner, BadSignature, SignatureExpired } from './core/signing.js';

// Request.
export { HttpRequest, SAFE_METHODS } from './http/request.js';
export { MultiValueDict, QueryDict } from './http/multi-value-dict.js';
export { UploadedFile } from './http/multipart.js';
export { parseContentType } from './http/content-type.js';
export { splitDomainPort, validateHost } from './http/host.js';

// Responses.
export {
  HttpResponseBase,
  HttpResponse,
  JsonResponse,
  HttpResponseRedirect,
  HttpResponsePermanentRedirect,
  HttpResponseNotModified,
  HttpResponseBadRequest,
  HttpResponseForbidden,
  HttpResponseNotFound,
  HttpResponseNotAllowed,
  HttpResponseGone,
  HttpResponseServerError,
  StreamingHttpResponse,
  WrappedResponse,
  type ResponseInit,
  type JsonResponseInit,
  type Content,
  type StreamingContent,
} from './http/response.js';
export { ResponseHeaders, headerFields, patchVaryHeaders, type HeaderFields } from './http/response-headers.js';
export { serializeCookie, parseCookies, type CookieOptions } from './http/cookies.js';

// URLs.
export { path, rePath, include, type PathOptions, type PathParams, type Included } from './urls/conf.js';
export { reverse, type ReverseOptions } from './urls/reverse.js';
export { registerConverter, type Converter, type ConverterTypes } from './urls/converters.js';
export { Resolver, URLPattern, URLResolver, type ResolverMatch, type UrlConf } from './urls/resolver.js';

// Middleware and sessions.
export { SecurityMiddleware } from './middleware/security.js';
export { CommonMiddleware } from './middleware/common.js';
export { CsrfViewMiddleware, csrfExempt, getToken, rotateToken, csrfInput, CSRF_REASONS } from './middleware/csrf.js';
export { SessionMiddleware } from './middleware/session.js';
export { XFrameOptionsMiddleware, xframeOptionsExempt } from './middleware/clickjacking.js';
export { earlyHintsMiddleware, type EarlyHintLinks } from './middleware/early-hints.js';
export { BUILTIN_MIDDLEWARE } from './middleware/builtin.js';
export { Session } from './sessions/session.js';
export type { SessionStore, SessionData } from './sessions/store.js';
export { SignedCookieSessionStore } from './sessions/signed-cookie-store.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './sessions/redis-store.js';
export { MemorySessionStore } from './sessions/memory-store.js';
export { getSessionStore, closeSessionStore, type SessionEngineName } from './sessions/engine.js';
export { newSessionKey } from './sessions/session-key.js';

// Messages.
export { messages, addMessage, getMessages, Message, MessageList, MESSAGE_LEVELS, type MessageLevelName } from './messages/messages.js';

// Views.
export { pageNotFound, badRequest, permissionDenied, serverError } from './views/defaults.js';
export { escapeHtml } from './utils/html.js';
export { View, HTTP_METHOD_NAMES } from './views/generic.js';
export { TemplateView } from './views/template-view.js';
export { RedirectView } from './views/redirect-view.js';
export { templateErrorView, type ErrorTemplateStatus } from './views/error-templates.js';
export { requireHttpMethods, requireGET, requirePOST, requireSafe } from './views/decorators.js';
export { streaming } from './views/streaming.js';
export { websocketView, type WebSocketConsumer, type WebSocketViewOptions } from './views/websocket.js';
export { technical500Response, technical404Response } from './views/debug.js';

// Shortcuts, templates, files.
export { render, redirect, type RedirectOptions } from './shortcuts.js';
export { TemplateEngine, TemplateDoesNotExist, getTemplateEngine } from './template/engine.js';
export { FileResponse, contentDisposition, type FileResponseInit } from './http/file-response.js';
export { staticUrl, MissingManifestEntry } from './staticfiles/static-url.js';
export { StaticPostProcessError, MANIFEST_NAME } from './staticfiles/manifest.js';

// Forms.
export { Form, BoundField, defineForm, bindForm, uploadLimitsOf, limitUploads, NON_FIELD_ERRORS, type Fields, type CleanedData, type FormClass, type FormOptions, type FormInput, type DefineFormOptions } from './forms/form.js';
export { Field, type FormField, type FieldOptions, type Validator, type RawValue, type FormSource, type WidgetContext } from './forms/field.js';
export {
  CharField,
  EmailField,
  IntegerField,
  DecimalField,
  ChoiceField,
  MultipleChoiceField,
  BooleanField,
  DateField,
  FileField,
  fileSizeFormat,
  type Choices,
  type CharFieldOptions,
  type IntegerFieldOptions,
  type DecimalFieldOptions,
  type ChoiceFieldOptions,
  type MultipleChoiceFieldOptions,
  type DateFieldOptions,
  type FileFieldOptions,
} from './forms/fields.js';
export { ValidationError } from './forms/validation-error.js';
export { isStandardSchema, type StandardSchemaV1 } from './forms/standard-schema.js';
export { FormView } from './forms/form-view.js';
export type { FileLimit, UploadLimits, RejectedUpload } from './http/multipart.js';

// Testing.
export { Client, type ClientOptions, type RequestOptions, type TestResponse, type TestFile, type FormData as TestFormData } from './test/client.js';
export { serveApp, type ServedApp } from './test/serve-app.js';

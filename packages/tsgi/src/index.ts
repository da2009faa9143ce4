/**
 * tsgi: the TypeScript Server Gateway Interface. The contract (types), and the pieces every
 * server and app share: the node:http adapter, the reference server, the validator.
 * @module
 */
export * from './types.js';
export { toNodeListener, type TsgiNodeListener } from './node-adapter.js';
export type { NodeAdapterOptions } from './adapter-config.js';
export { DEFAULT_LINGERING_CLOSE, type LingeringClose } from 'tsgi-head-gate';
export { serve, type ServeOptions, type TsgiServer } from './serve.js';
export { resolveApp, runStartup, runShutdown, type ResolvedApp } from './lifespan.js';
export { defineApp, tsgiAppVersion, TSGI_APP, FETCH_SERVER_PROTOCOL } from './define-app.js';
export { tlsInfo, describeTls, TSGI_TLS_EXTENSION, type TsgiTlsInfo } from './tls-info.js';
export { FastResponse } from './fast-response.js';
export { DEFAULT_LIMITS, resolveLimits } from './limits.js';
export { createConsoleLogger, type LogLevel } from './console-logger.js';
export { BodyTimeoutError, BodyTooLargeError } from './body-stream.js';
export { CidrSet, normalizeIp } from './ip-address.js';
export { validate, type ValidateOptions } from './validate.js';
export {
  TSGI_VIOLATIONS,
  TsgiValidationError,
  type TsgiViolation,
  type TsgiViolationCode,
  type TsgiViolationSeverity,
  type TsgiViolationSide,
} from './validate-codes.js';
export { checkContext, checkRequest, checkServerInfo } from './validate-server.js';
export { checkResponse } from './validate-response.js';
export { HOP_BY_HOP_HEADERS } from './validate-headers.js';
export { toFetchHandler, hostConnection, type FetchHandlerOptions, type HostConnection, type TsgiFetchHandler } from './to-fetch-handler.js';
export { fileResponse, type FileResponseInit } from './file-response.js';
export { installRequestPatch } from './request-patch.js';
export { mountedTarget } from './mount-path.js';
export { REQUEST_ID_HEADER, assignRequestId, isRequestId, newRequestId, requestIdOf } from './request-id.js';
export { getRequestId } from './lazy-request.js';
export { sendEarlyHints } from './early-hints.js';
export { requestTrailers, withTrailers } from './trailers.js';
export {
  DEFAULT_WEBSOCKET_LIMITS,
  TSGI_WEBSOCKET,
  TSGI_WEBSOCKET_EXTENSION,
  WebSocketUpgradeError,
  isWebSocketRequest,
  resolveWebSocketLimits,
  upgradeWebSocket,
  type TsgiCloseEvent,
  type TsgiWebSocket,
  type TsgiWebSocketHandshake,
  type TsgiWebSocketLimits,
  type UpgradeWebSocketOptions,
} from './websocket.js';
export { toUpgradeListener } from './websocket-server.js';

/**
 * The header field that carries a request's id (SPEC 3.4.5), shared by every server: tsgi's
 * adapter assigns it, tsgi-appserver's access log prints it, tsgi-webserver forwards it. Here,
 * in the package every server imports, so a process that needs only the name (tsgi-appserver's
 * master, for its access log format) does not load all of tsgi for it.
 * @module
 */

/**
 * The request id's header field name (lower case, as node keys `req.headers`).
 *
 * @example
 * ```ts
 * const id = req.headers[REQUEST_ID_HEADER];
 * ```
 */
export const REQUEST_ID_HEADER = 'x-request-id';

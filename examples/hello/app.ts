/**
 * The smallest TSGI application: a bare fetch function. Serve it with
 * `tsgi-appserver examples/hello/app.ts:application`, or `serve(application)` from `tsgi`.
 */
import type { TsgiFetch } from 'tsgi';

export const application: TsgiFetch = (request, context) =>
  new Response(`Hello, World! You are ${context.client.address || 'unknown'}; you asked for ${new URL(request.url).pathname}\n`, {
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });

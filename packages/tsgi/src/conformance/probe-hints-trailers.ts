/**
 * The probe's routes for the `tsgi.early-hints` and `tsgi.trailers` extensions (SPEC 7.4, 7.5),
 * used by cases-hints-trailers.ts. Each records what the app saw under `?id=`.
 *
 * Routes: /hints, /hints-late, /hints-invalid, /trailers-upload, /trailers-stream,
 * /trailers-fixed, /trailers-throw.
 * @module
 */
import { sendEarlyHints } from '../early-hints.js';
import { requestTrailers, withTrailers } from '../trailers.js';
import type { TsgiContext } from '../types.js';
import { observe } from './observations.js';

const encoder = new TextEncoder();

function idOf(url: URL): string {
  const id = url.searchParams.get('id') ?? 'anonymous';
  return /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : 'invalid-id';
}

function chunks(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
  });
}

/** Answers the extension routes; undefined for any other path. */
export async function hintsTrailersRoute(path: string, request: Request, context: TsgiContext, url: URL): Promise<Response | undefined> {
  const id = idOf(url);
  switch (path) {
    case '/hints': {
      const field = typeof context['tsgi.early-hints'];
      const sent = [
        sendEarlyHints(context, [['link', '</probe.css>; rel=preload; as=style']]),
        sendEarlyHints(context, { link: '</probe.js>; rel=modulepreload', 'x-probe-hint': '2' }),
      ];
      observe(`${id}.hints`, { field, sent });
      return new Response('hinted');
    }
    case '/hints-late': {
      void context.completed.then(() => observe(`${id}.hints`, { sent: [sendEarlyHints(context, { link: '</late.css>; rel=preload; as=style' })] }));
      return new Response('hinting late');
    }
    case '/hints-invalid': {
      const errors: string[] = [];
      for (const hints of [{ 'x-no-link': '1' } as Record<string, string>, { link: '</a.css>; rel=preload', 'content-length': '0' }, { link: '</a.css>; rel=preload', 'transfer-encoding': 'chunked' }]) {
        try {
          sendEarlyHints(context, hints);
          errors.push('sent');
        } catch (error) {
          errors.push(error instanceof TypeError ? 'TypeError' : String(error));
        }
      }
      return Response.json({ errors });
    }
    case '/trailers-upload': {
      const before = requestTrailers(context);
      const text = await request.text();
      const after = requestTrailers(context);
      return Response.json({
        field: typeof context['tsgi.trailers'],
        length: text.length,
        before: before === undefined ? null : [...before],
        after: after === undefined ? null : [...after],
        headers: [...request.headers.keys()],
      });
    }
    case '/trailers-stream': {
      let calls = 0;
      const response = new Response(chunks(['first,', 'second']), { headers: { trailer: 'x-probe-sum' } });
      return withTrailers(response, async () => {
        calls++;
        observe(`${id}.trailers`, { calls });
        return { 'x-probe-sum': '12', 'content-type': 'text/html' };
      });
    }
    case '/trailers-fixed':
      return withTrailers(new Response(chunks(['fixed']), { headers: { 'content-length': '5' } }), () => {
        observe(`${id}.trailers`, { calls: 1 });
        return { 'x-probe-sum': '5' };
      });
    case '/trailers-throw':
      return withTrailers(new Response(chunks(['partial'])), () => {
        throw new Error('probe: the trailers function threw on purpose');
      });
    default:
      return undefined;
  }
}

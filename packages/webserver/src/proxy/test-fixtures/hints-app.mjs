// A TSGI app for the early-hints and trailers chain test: it speaks the extensions through the
// context field and the registered symbol alone (SPEC 7.4, 7.5), as any app may without the tsgi
// package. /page sends a 103 then, a moment later, the page; its body streams, then trailers.
export async function application(request, context) {
  const url = new URL(request.url);
  if (url.pathname === '/page') {
    const hints = context['tsgi.early-hints'];
    const sent = typeof hints === 'function' && hints({ link: '</static/site.css>; rel=preload; as=style, </static/app.js>; rel=modulepreload' });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the page takes a while: the hints are ahead of it
    const encoder = new TextEncoder();
    const parts = ['<!doctype html>', '<p>hinted</p>'];
    let bytes = 0;
    const body = new ReadableStream({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) return controller.close();
        bytes += next.length;
        controller.enqueue(encoder.encode(next));
      },
    });
    const response = new Response(body, { headers: { 'content-type': 'text/html', 'x-hints-sent': String(sent), trailer: 'x-body-bytes' } });
    response[Symbol.for('tsgi.trailers')] = () => ({ 'x-body-bytes': String(bytes), 'server-timing': 'app;dur=50' });
    return response;
  }
  return new Response('ok\n');
}

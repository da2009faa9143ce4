// A TSGI app for tsgi-appserver in the proxy's end-to-end tests: `application(request)` answers
// /hello with the NAME of its server and /slow after ?ms= milliseconds.
export async function application(request) {
  const url = new URL(request.url);
  if (url.pathname === '/slow') await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms') ?? 1000)));
  if (url.pathname === '/whoami') {
    return Response.json({ xff: request.headers.get('x-forwarded-for'), requestId: request.headers.get('x-request-id') });
  }
  return new Response(`hello from ${process.env.NAME ?? 'app'}\n`, { headers: { 'content-type': 'text/plain' } });
}

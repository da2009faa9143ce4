// The built-in middleware over real sockets: security headers and SSL redirect, X-Frame-Options,
// CSRF (cookie, token in form or header, Origin/Referer), signed-cookie sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { HttpResponse, JsonResponse } from '../http/response.js';
import { getToken, csrfExempt } from './csrf.js';
import { xframeOptionsExempt } from './clickjacking.js';
import type { Middleware } from '../core/types.js';

let served: ServedApp;
let secure: ServedApp;

const order: string[] = [];
const tracing = (name: string): Middleware => (getResponse) => async (request) => {
  order.push(`${name}>`);
  const response = await getResponse(request);
  order.push(`<${name}`);
  response.headers.append('X-Trace', name);
  return response;
};

const urlpatterns = [
  path('form/', (request) => new HttpResponse(`<form><input name="csrfmiddlewaretoken" value="${getToken(request)}"></form>`)),
  path('submit/', async (request) => {
    const data = request.loaded ? request.POST.get('x') : null;
    return new JsonResponse({ ok: true, x: data });
  }),
  path('hook/', csrfExempt(() => new HttpResponse('hooked'))),
  path('framed/', () => xframeOptionsExempt(new HttpResponse('embed me'))),
  path('own-headers/', () => new HttpResponse('x', { headers: { 'X-Frame-Options': 'SAMEORIGIN', 'Referrer-Policy': 'no-referrer' } })),
  path('count/', (request) => {
    const n = Number(request.session.get('n') ?? 0) + 1;
    request.session.set('n', n);
    return new JsonResponse({ n });
  }),
  path('peek/', (request) => new JsonResponse({ n: request.session.get('n') ?? null })),
  path('logout/', (request) => {
    request.session.flush();
    return new HttpResponse('bye');
  }),
  path('plain/', () => new HttpResponse('no session touched')),
];

before(async () => {
  const base = {
    SECRET_KEY: 'a-very-secret-key-that-is-long-enough-for-tests-0123456789',
    ALLOWED_HOSTS: ['127.0.0.1', 'example.com'],
    ROOT_URLCONF: urlpatterns,
    MIDDLEWARE: [tracing('outer'), 'SecurityMiddleware', 'SessionMiddleware', 'CommonMiddleware', 'CsrfViewMiddleware', 'XFrameOptionsMiddleware', tracing('inner')] as never,
  };
  served = await serveApp(base);
  secure = await serveApp({ ...base, SECURE_SSL_REDIRECT: true, SECURE_HSTS_SECONDS: 3600, SECURE_HSTS_INCLUDE_SUBDOMAINS: true, SECURE_HSTS_PRELOAD: true, SECURE_REDIRECT_EXEMPT: [/^health\/$/], CSRF_TRUSTED_ORIGINS: ['https://*.trusted.example'] });
});

after(async () => {
  await served?.close();
  await secure?.close();
});

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = (pair as string).indexOf('=');
    out[(pair as string).slice(0, i)] = (pair as string).slice(i + 1);
  }
  return out;
}

test('middleware run in order, outermost first, once each', async () => {
  order.length = 0;
  const res = await fetch(`${served.url}/plain/`);
  assert.equal(res.status, 200);
  assert.deepEqual(order, ['outer>', 'inner>', '<inner', '<outer']);
  assert.equal(res.headers.get('x-trace'), 'inner, outer');
});

test('SecurityMiddleware and XFrameOptionsMiddleware headers; a view\'s own headers win', async () => {
  const res = await fetch(`${served.url}/plain/`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over http');
  const own = await fetch(`${served.url}/own-headers/`);
  assert.equal(own.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.equal(own.headers.get('referrer-policy'), 'no-referrer');
  assert.equal((await fetch(`${served.url}/framed/`)).headers.get('x-frame-options'), null);
  // The 404 page also passes through the middleware (each layer converts its own errors).
  const missing = await fetch(`${served.url}/missing/`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(missing.headers.get('x-trace'), 'inner, outer');
});

test('SECURE_SSL_REDIRECT: 301 to https (exempt paths served); HSTS on secure requests', async () => {
  const res = await fetch(`${secure.url}/plain/?a=1`, { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('location'), `https://127.0.0.1:${secure.port}/plain/?a=1`);
  const exempt = await fetch(`${secure.url}/health/`, { redirect: 'manual' });
  assert.equal(exempt.status, 404, 'exempt path is not redirected');
  // A trusted (loopback) proxy says the original request was https.
  const https = await fetch(`${secure.url}/plain/`, { headers: { 'X-Forwarded-Proto': 'https' } });
  assert.equal(https.status, 200);
  assert.equal(https.headers.get('strict-transport-security'), 'max-age=3600; includeSubDomains; preload');
});

test('CSRF: unsafe requests need the cookie and the token (form field or header)', async () => {
  const form = await fetch(`${served.url}/form/`);
  const csrf = cookiesOf(form).csrftoken as string;
  assert.match(csrf, /^[a-zA-Z0-9]{32}$/);
  assert.match(form.headers.get('vary') ?? '', /Cookie/);
  const token = /value="([a-zA-Z0-9]{64})"/.exec(await form.text())?.[1] as string;
  assert.ok(token, 'masked token in the page');

  const noCookie = await fetch(`${served.url}/submit/`, { method: 'POST', body: 'x=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(noCookie.status, 403);
  const noToken = await fetch(`${served.url}/submit/`, { method: 'POST', body: 'x=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `csrftoken=${csrf}` } });
  assert.equal(noToken.status, 403);
  const wrong = await fetch(`${served.url}/submit/`, { method: 'POST', body: `x=1&csrfmiddlewaretoken=${'a'.repeat(64)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `csrftoken=${csrf}` } });
  assert.equal(wrong.status, 403);
  // A real token, from another visitor's page (another CSRF cookie): it does not unlock this cookie.
  const otherForm = await fetch(`${served.url}/form/`);
  const otherToken = /value="([a-zA-Z0-9]{64})"/.exec(await otherForm.text())?.[1] as string;
  assert.notEqual(cookiesOf(otherForm).csrftoken, csrf, 'a second visitor gets its own CSRF secret');
  const foreign = await fetch(`${served.url}/submit/`, { method: 'POST', body: `x=1&csrfmiddlewaretoken=${otherToken}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `csrftoken=${csrf}` } });
  assert.equal(foreign.status, 403, 'a token from another session fails');
  const good = await fetch(`${served.url}/submit/`, { method: 'POST', body: `x=1&csrfmiddlewaretoken=${token}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `csrftoken=${csrf}` } });
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { ok: true, x: '1' });
  const header = await fetch(`${served.url}/submit/`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', Cookie: `csrftoken=${csrf}`, 'X-CSRFToken': token } });
  assert.equal(header.status, 200);
  const exempt = await fetch(`${served.url}/hook/`, { method: 'POST', body: 'x' });
  assert.equal(exempt.status, 200);
  assert.ok(served.logs.some(([level, m]) => level === 'warn' && m.includes('Forbidden (CSRF cookie not set.)')));
  assert.ok(served.logs.some(([, m]) => m.includes('CSRF token missing.')));
  assert.ok(served.logs.some(([, m]) => m.includes('CSRF token incorrect.')));
});

test('CSRF: Origin must match the host or CSRF_TRUSTED_ORIGINS; https needs a good Referer without Origin', async () => {
  const form = await fetch(`${secure.url}/form/`, { headers: { 'X-Forwarded-Proto': 'https' } });
  const csrf = cookiesOf(form).csrftoken as string;
  const headers = (extra: Record<string, string>) => ({ 'X-Forwarded-Proto': 'https', Cookie: `csrftoken=${csrf}`, 'X-CSRFToken': csrf, 'Content-Type': 'application/json', ...extra });
  const host = `127.0.0.1:${secure.port}`;
  const post = (extra: Record<string, string>) => fetch(`${secure.url}/submit/`, { method: 'POST', body: '{}', headers: headers(extra) });
  assert.equal((await post({ Origin: `https://${host}` })).status, 200);
  assert.equal((await post({ Origin: 'https://evil.example' })).status, 403);
  assert.equal((await post({ Origin: 'https://app.trusted.example' })).status, 200, 'wildcard trusted origin');
  assert.equal((await post({ Origin: 'http://app.trusted.example' })).status, 403, 'scheme must match');
  assert.equal((await post({})).status, 403, 'https without Origin or Referer');
  assert.equal((await post({ Referer: `https://${host}/form/` })).status, 200);
  assert.equal((await post({ Referer: `http://${host}/form/` })).status, 403, 'insecure referer');
  assert.equal((await post({ Referer: 'https://evil.example/' })).status, 403);
  assert.ok(secure.logs.some(([, m]) => m.includes('Origin checking failed - https://evil.example does not match any trusted origins.')));
  assert.ok(secure.logs.some(([, m]) => m.includes('Referer checking failed - no Referer.')));
});

test('sessions: signed cookie, changes persist, tampering is an empty session, flush deletes', async () => {
  const first = await fetch(`${served.url}/count/`);
  assert.deepEqual(await first.json(), { n: 1 });
  const cookie = cookiesOf(first).sessionid as string;
  assert.ok(cookie);
  const setCookie = first.headers.getSetCookie().find((c) => c.startsWith('sessionid=')) as string;
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  assert.match(setCookie, /Max-Age=1209600/);
  assert.match(first.headers.get('vary') ?? '', /Cookie/);
  const second = await fetch(`${served.url}/count/`, { headers: { Cookie: `sessionid=${cookie}` } });
  assert.deepEqual(await second.json(), { n: 2 });
  const cookie2 = cookiesOf(second).sessionid as string;
  // Only read: no new cookie.
  const peek = await fetch(`${served.url}/peek/`, { headers: { Cookie: `sessionid=${cookie2}` } });
  assert.deepEqual(await peek.json(), { n: 2 });
  assert.equal(cookiesOf(peek).sessionid, undefined);
  // Tampered payload: an empty session, and a warning.
  const [payload, ts, sig] = cookie2.split('.');
  const forged = Buffer.from(JSON.stringify({ n: 1000 })).toString('base64url');
  const tampered = await fetch(`${served.url}/peek/`, { headers: { Cookie: `sessionid=${forged}.${ts}.${sig}` } });
  assert.deepEqual(await tampered.json(), { n: null });
  assert.ok(payload);
  assert.ok(served.logs.some(([, m]) => m.includes('security.SuspiciousSession')));
  const untouched = await fetch(`${served.url}/plain/`);
  assert.equal(cookiesOf(untouched).sessionid, undefined, 'no session cookie unless used');
  const logout = await fetch(`${served.url}/logout/`, { headers: { Cookie: `sessionid=${cookie2}` } });
  const deleted = logout.headers.getSetCookie().find((c) => c.startsWith('sessionid=')) as string;
  assert.match(deleted, /^sessionid=; Max-Age=0;/);
  assert.match(deleted, /Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
});

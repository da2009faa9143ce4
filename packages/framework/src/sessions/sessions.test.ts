// Session stores over real sockets: the signed-cookie, in-memory and Redis stores behind the
// same SessionMiddleware. Tampered keys give an empty session; cycleKey keeps the data under a
// new key; flush ends the session server-side (a cookie copied before logout is useless
// afterwards); expiry (per-session and SESSION_COOKIE_AGE, Redis TTLs). The Redis store talks to
// a real redis-server (Debian package redis-server) this file starts on a free loopback port.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { freePort, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { JsonResponse } from '../http/response.js';
import { defineSettings, type SettingsInput } from '../conf/settings.js';
import { getSessionStore, closeSessionStore } from './engine.js';
import { MemorySessionStore } from './memory-store.js';
import { RedisSessionStore } from './redis-store.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A private redis-server: its own port and directory, no persistence. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  assert.ok(existsSync(REDIS_SERVER), `${REDIS_SERVER} is missing: install the Debian package redis-server (apt-get install redis-server)`);
  const port = await freePort();
  const { dir, cleanup } = await tempDir('tsgi-redis-');
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, /Ready to accept connections/, { what: 'redis-server', timeoutMs: 15_000 });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await cleanup();
  };
  return { url: `redis://127.0.0.1:${port}/0`, stop };
}

const urlpatterns = [
  path('set/', (request) => {
    for (const [k, v] of request.GET) request.session.set(k, v);
    return new JsonResponse({ key: request.session.sessionKey });
  }),
  path('peek/', (request) => new JsonResponse({ data: Object.fromEntries(request.session.keys().map((k) => [k, request.session.get(k)])) })),
  path('login/', (request) => {
    request.session.cycleKey();
    request.session.set('user', request.GET.get('user'));
    return new JsonResponse({ ok: true });
  }),
  path('logout/', (request) => {
    request.session.flush();
    return new JsonResponse({ ok: true });
  }),
  path('expire/', (request) => {
    request.session.setExpiry(Number(request.GET.get('seconds')));
    request.session.set('short', 'lived');
    return new JsonResponse({ ok: true });
  }),
];

// A view held open until the test releases it, to run a logout while it is in flight.
let releaseSlow: (() => void) | null = null;
let slowStarted: (() => void) | null = null;
urlpatterns.push(
  path('slow/', async (request) => {
    request.session.get('user'); // loaded before the concurrent logout
    slowStarted?.();
    await new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    request.session.set('late', 'write');
    return new JsonResponse({ ok: true });
  }),
);

/** Runs /slow/ with `cookie`, logs out with the same cookie while it waits; the slow request's answer. */
async function logoutDuringSlowRequest(served: ServedApp, cookie: string): Promise<Response> {
  const started = new Promise<void>((resolve) => {
    slowStarted = resolve;
  });
  const slow = fetch(`${served.url}/slow/`, { headers: { Cookie: `sessionid=${cookie}` } });
  await started;
  await get(served, '/logout/', cookie);
  (releaseSlow as unknown as () => void)();
  return slow;
}

const base = { SECRET_KEY: 'sessions-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz', ALLOWED_HOSTS: ['127.0.0.1'], ROOT_URLCONF: urlpatterns };

/** The session cookie a response sets: its value, or '' when it deletes it; undefined when untouched. */
function sessionCookie(response: Response): string | undefined {
  const header = response.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
  if (header === undefined) return undefined;
  return /Max-Age=0/.test(header) ? '' : header.slice('sessionid='.length).split(';')[0];
}

function cookieHeader(response: Response): string | undefined {
  return response.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
}

async function get(served: ServedApp, url: string, cookie?: string): Promise<Response> {
  const response = await fetch(`${served.url}${url}`, { headers: cookie === undefined ? {} : { Cookie: `sessionid=${cookie}` } });
  assert.equal(response.status, 200, `${url}: ${response.status}\n${served.logs.map(([, m]) => m).join("\n").slice(-2000)}`);
  return response;
}

async function peek(served: ServedApp, cookie: string): Promise<Record<string, unknown>> {
  return ((await (await get(served, '/peek/', cookie)).json()) as { data: Record<string, unknown> }).data;
}

/** Behaviour every store shares. */
function sharedBehaviour(label: string, input: () => SettingsInput) {
  describe(`${label}: shared behaviour`, () => {
    let served: ServedApp;
    const settings = () => defineSettings(input());
    let resolved: ReturnType<typeof defineSettings>;
    before(async () => {
      resolved = settings();
      served = await serveApp(resolved);
    });
    after(async () => {
      await served.close();
      await closeSessionStore(resolved);
    });

    test('data set in one request is there in the next', async () => {
      const cookie = sessionCookie(await get(served, '/set/?colour=blue&n=3'));
      assert.ok(cookie, 'a session cookie is set');
      assert.deepEqual(await peek(served, cookie), { colour: 'blue', n: '3' });
    });

    test('a tampered cookie is dropped: a fresh empty session', async () => {
      const cookie = sessionCookie(await get(served, '/set/?colour=red')) as string;
      // Change one character in the middle (payload for signed cookies, key for server stores).
      const i = Math.floor(cookie.length / 3);
      const tampered = cookie.slice(0, i) + (cookie[i] === 'a' ? 'b' : 'a') + cookie.slice(i + 1);
      assert.deepEqual(await peek(served, tampered), {});
      assert.deepEqual(await peek(served, 'not-a-session'), {});
      const fresh = sessionCookie(await get(served, '/set/?x=1', tampered)) as string;
      assert.notEqual(fresh, tampered);
      assert.deepEqual(await peek(served, fresh), { x: '1' }, 'writing to a dropped session starts a new one');
    });

    test('cycleKey keeps the data and changes the key', async () => {
      const before = sessionCookie(await get(served, '/set/?cart=apples')) as string;
      const after = sessionCookie(await get(served, '/login/?user=ada', before)) as string;
      assert.ok(after && after !== before, 'a new key after login');
      assert.deepEqual(await peek(served, after), { cart: 'apples', user: 'ada' });
    });

    test('flush deletes the cookie and the data', async () => {
      const cookie = sessionCookie(await get(served, '/set/?user=ada')) as string;
      assert.equal(sessionCookie(await get(served, '/logout/', cookie)), '', 'the cookie is deleted (Max-Age=0)');
    });

    test('per-session expiry: Max-Age, then the session is not loaded once it is past', async () => {
      const response = await get(served, '/expire/?seconds=1');
      assert.match(cookieHeader(response) as string, /Max-Age=1;/);
      const cookie = sessionCookie(response) as string;
      assert.deepEqual(await peek(served, cookie), { short: 'lived' });
      await waitFor(async () => Object.keys(await peek(served, cookie)).length === 0, { timeoutMs: 10_000, intervalMs: 100, what: 'the session to expire' });
    });

    test('SESSION_COOKIE_AGE is the cookie Max-Age by default', async () => {
      assert.match(cookieHeader(await get(served, '/set/?a=1')) as string, /Max-Age=1209600;/);
    });
  });
}

sharedBehaviour('signed cookies', () => ({ ...base }));
sharedBehaviour('memory', () => ({ ...base, SESSION_ENGINE: 'memory' }));

describe('redis store', () => {
  let redis: { url: string; stop: () => Promise<void> };
  const redisSettings = (): SettingsInput => ({ ...base, SESSION_ENGINE: 'redis', SESSION_REDIS_URL: redis.url });
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  // The same acceptance as the other stores, against the real server.
  sharedBehaviour('redis', redisSettings);

  describe('server-side', () => {
    let served: ServedApp;
    let settings: ReturnType<typeof defineSettings>;
    before(async () => {
      settings = defineSettings(redisSettings());
      served = await serveApp(settings);
    });
    after(async () => {
      await served.close();
      await closeSessionStore(settings);
    });

    test('logout makes a copied cookie useless: replayed after flush, it has no session data', async () => {
      const cookie = sessionCookie(await get(served, '/login/?user=ada')) as string;
      const copy = cookie; // what an attacker kept
      assert.deepEqual(await peek(served, copy), { user: 'ada' });
      await get(served, '/logout/', cookie);
      assert.deepEqual(await peek(served, copy), {}, 'the copied cookie finds nothing after logout');
      assert.equal(await getSessionStore(settings).exists(copy), false, 'the Redis key is gone');
    });

    test('cycleKey deletes the old key (a planted key is worthless after login)', async () => {
      const planted = sessionCookie(await get(served, '/set/?theme=dark')) as string;
      const after = sessionCookie(await get(served, '/login/?user=bob', planted)) as string;
      assert.notEqual(after, planted);
      assert.deepEqual(await peek(served, planted), {});
      assert.deepEqual(await peek(served, after), { theme: 'dark', user: 'bob' });
    });

    test('Redis keys carry the session age as TTL', async () => {
      const store = getSessionStore(settings) as RedisSessionStore;
      const long = sessionCookie(await get(served, '/set/?a=1')) as string;
      const ttl = await store.ttl(long);
      assert.ok(ttl !== null && ttl > 1209600 - 60 && ttl <= 1209600, `TTL ${ttl} is SESSION_COOKIE_AGE`);
      const short = sessionCookie(await get(served, '/expire/?seconds=30')) as string;
      const shortTtl = await store.ttl(short);
      assert.ok(shortTtl !== null && shortTtl > 0 && shortTtl <= 30, `TTL ${shortTtl} is the session's own expiry`);
    });

    test('a well-formed key Redis never issued is an empty session', async () => {
      assert.deepEqual(await peek(served, 'a'.repeat(32)), {});
    });
  });

  test("SESSION_ENGINE 'redis' without SESSION_REDIS_URL fails at startup naming the setting", async () => {
    await assert.rejects(serveApp({ ...base, SESSION_ENGINE: 'redis' }), /SESSION_REDIS_URL/);
  });

  test('Redis down: a request with a session cookie is a 500 at once, not a hang', async () => {
    const port = await freePort(); // nothing listens here
    const settings = defineSettings({ ...base, SESSION_ENGINE: new RedisSessionStore({ url: `redis://127.0.0.1:${port}/0`, connectTimeoutMs: 1000 }) });
    const served = await serveApp(settings);
    try {
      const started = Date.now();
      const response = await fetch(`${served.url}/peek/`, { headers: { Cookie: `sessionid=${'b'.repeat(32)}` } });
      assert.equal(response.status, 500);
      assert.ok(Date.now() - started < 10_000, 'answered within the connect timeout');
      assert.ok(served.logs.some(([, m]) => m.includes('cannot connect to Redis') || m.includes('not reachable')), served.logs.map(([, m]) => m).join('\n'));
    } finally {
      await served.close();
      await closeSessionStore(settings);
    }
  });
});

describe('a logout while another request of the same session runs', () => {
  let redis: { url: string; stop: () => Promise<void> };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  for (const engine of ['memory', 'redis'] as const) {
    test(`${engine}: the other request's save is refused (400), so the logout is not undone`, async () => {
      const settings = defineSettings({ ...base, SESSION_ENGINE: engine, SESSION_REDIS_URL: engine === 'redis' ? redis.url : null });
      const served = await serveApp(settings);
      try {
        const cookie = sessionCookie(await get(served, '/login/?user=ada')) as string;
        const slow = await logoutDuringSlowRequest(served, cookie);
        assert.equal(slow.status, 400);
        assert.match(await slow.text(), /Bad Request/);
        assert.ok(served.logs.some(([, m]) => m.includes('session was deleted before the request completed')), served.logs.map(([, m]) => m).join('\n'));
        assert.deepEqual(await peek(served, cookie), {}, 'the logged-out session stays gone');
      } finally {
        await served.close();
        await closeSessionStore(settings);
      }
    });
  }
});

describe('memory store', () => {
  test('expired sessions are not loaded and are swept', () => {
    let now = 1_000_000;
    const store = new MemorySessionStore({ now: () => now });
    const key = store.save(null, { a: 1 }, 60) as string;
    assert.deepEqual(store.load(key), { a: 1 });
    now += 61_000;
    assert.equal(store.load(key), null);
    assert.equal(store.size, 0);
    assert.equal(store.save(key, { a: 2 }, 60), null, 'an expired key is not revived by a save');
  });
});

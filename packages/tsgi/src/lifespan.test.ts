import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveApp, runShutdown, runStartup } from './lifespan.js';
import { DEFAULT_LIMITS } from './limits.js';
import { TSGI_VERSION, type TsgiStartupContext } from './types.js';

const ctx = (): TsgiStartupContext => ({
  server: { software: 'test', tsgiVersion: TSGI_VERSION, extensions: {}, limits: DEFAULT_LIMITS },
  worker: { id: 1, pid: process.pid },
  log: console,
  state: {},
});

test('resolveApp accepts a function and an object (binding fetch to the object)', async () => {
  const fn = () => new Response('f');
  assert.equal(resolveApp(fn).fetch, fn);
  class App {
    greeting = 'hi';
    fetch() {
      return new Response(this.greeting);
    }
  }
  const { fetch } = resolveApp(new App());
  assert.equal(await (fetch(new Request('http://x/'), {} as never) as Response).text(), 'hi');
});

test('resolveApp rejects non-apps, saying what it found and what it expected', () => {
  assert.throws(() => resolveApp({ handler: 1 }), /expected a TSGI app .*found an object \(Object\) with keys \[handler\]/);
  assert.throws(() => resolveApp(42), /found number 42/);
  assert.throws(() => resolveApp(null), /found null/);
  assert.throws(() => resolveApp({ fetch() {}, startup: 'yes' }), /"startup" must be a function/);
});

test('runStartup merges a returned object into state; runShutdown calls shutdown', async () => {
  const calls: string[] = [];
  const app = {
    fetch: () => new Response(''),
    startup(c: TsgiStartupContext) {
      c.state.a = 1;
      return { b: 2 };
    },
    shutdown() {
      calls.push('down');
    },
  };
  const c = ctx();
  assert.deepEqual(await runStartup(app, c), { a: 1, b: 2 });
  await runShutdown(app, c);
  assert.deepEqual(calls, ['down']);
  await assert.rejects(runStartup({ fetch: app.fetch, startup: () => 'nope' } as never, ctx()), /must return nothing or an object/);
  assert.deepEqual(await runStartup(() => new Response(''), ctx()), {});
});

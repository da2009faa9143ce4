/**
 * Lifespan cases (SPEC.md 2.3, 4.7): startup state reaches requests as a per-request copy; a
 * failing startup stops the server; close drains waitUntil and runs shutdown.
 * @module
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RawConnection } from './raw-http.js';
import { echoReport, rawRequest, send, type Kit } from './kit.js';
import { failingStartupApplication, fetchServerHandler, functionApplication, futureApplication, notAnApplication } from './probe-app.js';
import type { TsgiApp } from '../types.js';
import { readObservation } from './observations.js';
import { LOOPBACK_TRUST } from './loopback.js';

/** Registers the lifespan cases. */
export function registerLifespanCases(kit: Kit): void {
  kit.test('S-STATE', 'startup state (written and returned) reaches every request (R2.3.2 R2.3.1 R2.3.1b R2.5.4)', async () => {
    const report = echoReport(await send(kit.root(), 'GET', '/echo'));
    assert.equal(report.context.state.probe, 'started', 'what startup wrote into context.state is missing');
    assert.equal(report.context.state.startedBy, 'probe', 'what startup returned is missing from context.state');
  });

  kit.test('S-STATE-COPY', 'each request gets its own shallow copy of the state (R4.7.1)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/state', { close: false }));
      await conn.readFinal();
      await conn.write(rawRequest(base, 'GET', '/state'));
      const second = JSON.parse((await conn.readFinal()).body.toString()) as { state: Record<string, unknown> };
      assert.equal(second.state.mutatedByRequest, undefined, "one request's assignment to context.state leaked into the next");
      assert.equal(second.state.probe, 'started');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-STARTUP-FAIL', 'a failing startup stops the server from starting (R2.3.3 R2.3.3c)', async () => {
    let started: { close(): Promise<void> } | undefined;
    try {
      started = await kit.harness.start({ ...kit.probe, app: failingStartupApplication, exportName: 'failingStartupApplication' }, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
    } catch (error) {
      assert.match(String((error as Error)?.message ?? error), /startup failed on purpose/, 'the start error does not carry the app\'s message');
      return;
    } finally {
      await started?.close();
    }
    assert.fail('the server started although the app\'s startup threw');
  });

  kit.test('S-APP-FUNCTION', 'a bare fetch function is served like an object app, without hooks (R2.1.2 R2.3.5)', async () => {
    const server = await kit.harness.start({ ...kit.probe, app: functionApplication, exportName: 'functionApplication' }, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
    try {
      const report = echoReport(await send(server.url, 'GET', '/echo'));
      assert.deepEqual(report.violations, []);
      assert.deepEqual(report.context.state, {}, 'an app without startup gets {} as state');
    } finally {
      await server.close();
    }
  });

  kit.test('S-APP-INVALID', 'something that is not an app is refused at start with a TypeError (R2.1.2b)', async () => {
    let started: { close(): Promise<void> } | undefined;
    try {
      started = await kit.harness.start({ ...kit.probe, app: notAnApplication as unknown as TsgiApp, exportName: 'notAnApplication' }, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
    } catch (error) {
      assert.match(String((error as Error)?.message ?? error), /fetch/, 'the error should say a fetch function or method was expected');
      return;
    } finally {
      await started?.close();
    }
    assert.fail('the server started with an object that has no fetch method');
  });

  kit.test('S-SHUTDOWN', 'close() drains waitUntil promises, then runs shutdown with the state startup filled (R4.6.1 R2.3.4 R2.3.4b R2.5.4)', async () => {
    const dir = kit.dir();
    for (const file of readdirSync(dir)) if (file.startsWith('shutdown-')) rmSync(join(dir, file), { force: true });
    const server = await kit.harness.start(kit.probe, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
    const id = kit.id('drain');
    try {
      const response = await send(server.url, 'GET', `/waituntil?id=${id}&ms=500`);
      assert.equal(response.status, 200);
    } finally {
      await server.close();
    }
    assert.deepEqual(readObservation(dir, `${id}.waituntil`), { done: true, ms: 500 }, 'close() finished before the waitUntil promise settled');
    const shutdowns = readdirSync(dir).filter((file) => file.startsWith('shutdown-'));
    assert.ok(shutdowns.length > 0, 'shutdown did not run on close()');
    for (const file of shutdowns.filter((f) => f.endsWith('.json'))) {
      const seen = readObservation(dir, file.slice(0, -'.json'.length)) as { state: string[]; sameState: boolean };
      assert.deepEqual([...seen.state].sort(), ['probe', 'startedBy'], 'shutdown did not get the state startup filled and returned');
      assert.equal(seen.sameState, true, 'shutdown got a copy of the state, not the object startup filled (R2.3.4b)');
    }
  });

  for (const [exportName, app, expected] of [
    ['futureApplication', futureApplication, /2\.0/],
    ['fetchServerHandler', fetchServerHandler, /Fetch Server API|wintertc/],
  ] as const) {
    kit.test('S-APP-MARKER', `an app marked for another major version, or a Fetch Server API handler, is refused at start with a TypeError: ${exportName} (R2.4.3 R2.4.4)`, async () => {
      let started: { close(): Promise<void> } | undefined;
      try {
        started = await kit.harness.start({ ...kit.probe, app: app as unknown as TsgiApp, exportName }, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: {} });
      } catch (error) {
        assert.match(String((error as Error)?.message ?? error), expected, 'the start error should say why the app was refused');
        return;
      } finally {
        await started?.close();
      }
      assert.fail(`the server started with ${exportName}, which carries ${exportName === 'futureApplication' ? "Symbol.for('tsgi.app') = '2.0'" : "Symbol.for('wintertc.server.protocol') and no TSGI marker"}`);
    });
  }
}

/**
 * Interface detection by shape: methods (own or inherited) and a function's declared parameter
 * count, never its source text, and never a call into the app. The examples' real Hono, Express
 * and Koa apps are detected through the real server in examples/; here each rule is pinned.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { defineApp } from 'tsgi';
import { detectInterface } from './loader.js';


describe('detectInterface', () => {
  it('a value carrying the TSGI marker is TSGI before any guess from its shape (SPEC 2.4)', () => {
    // Three parameters and Koa's methods would each make it a Node app without the marker.
    const marked = defineApp(Object.assign((_request: Request, _context: unknown, _extra?: unknown) => new Response('x'), { callback() {}, use() {} }));
    const detection = detectInterface(marked, 'auto');
    assert.deepEqual({ interface: detection.interface, host: detection.host }, { interface: 'tsgi', host: null });
    assert.match(detection.reason, /TSGI app marker \(Symbol\.for\('tsgi\.app'\) = "1\.1", set by defineApp\(\)\)/);
    const koaish = defineApp({ fetch: () => new Response('x'), callback() {}, use() {} });
    assert.equal(detectInterface(koaish, 'auto').interface, 'tsgi');
    assert.equal(detectInterface(marked, 'node').interface, 'node', '--interface node is obeyed');
  });

  it('an object with fetch, own or inherited, is TSGI', () => {
    assert.equal(detectInterface({ fetch: () => new Response('x') }, 'auto').interface, 'tsgi');
    class App {
      fetch(): Response {
        return new Response('x');
      }
    }
    assert.equal(detectInterface(new App(), 'auto').interface, 'tsgi');
  });

  it('a Koa-shaped object (callback and use) is a Node app, and detection does not call it', () => {
    let called = 0;
    class Koaish {
      use(): this {
        return this;
      }
      callback() {
        called++;
        return () => {};
      }
    }
    const detection = detectInterface(new Koaish(), 'auto');
    assert.deepEqual({ interface: detection.interface, host: detection.host }, { interface: 'node', host: 'koa' });
    assert.equal(detectInterface(new Koaish(), 'node').host, 'koa');
    assert.equal(called, 0);
  });

  it('a function with handle and use (Express, connect), or of 3+ parameters, is a Node listener', () => {
    const express = Object.assign((_req: unknown, _res: unknown, _next: unknown) => {}, { handle() {}, use() {} });
    assert.match(detectInterface(express, 'auto').reason, /handle\(\) and use\(\)/);
    const twoWithMethods = Object.assign((_req: unknown, _res: unknown) => {}, { handle() {}, use() {} });
    assert.equal(detectInterface(twoWithMethods, 'auto').interface, 'node');
    assert.equal(detectInterface((_a: unknown, _b: unknown, _c: unknown) => {}, 'auto').interface, 'node');
  });

  it('a function of 0 or 1 parameters is a TSGI fetch', () => {
    assert.equal(detectInterface(() => new Response('x'), 'auto').interface, 'tsgi');
    assert.equal(detectInterface((_request: Request) => new Response('x'), 'auto').interface, 'tsgi');
    assert.equal(detectInterface(async function named(_request: Request) { return new Response('x'); }, 'auto').interface, 'tsgi');
  });

  it('a bare function of 2 parameters is TSGI fetch(request, context) whatever its parameters are called; the reason names --interface node', () => {
    for (const fn of [(_request: Request, _context: unknown) => new Response('x'), (_req: unknown, _res: unknown) => {}, function (_a: unknown, _b: unknown) {}]) {
      const detection = detectInterface(fn, 'auto');
      assert.equal(detection.interface, 'tsgi');
      assert.match(detection.reason, /function of 2 parameter\(s\), taken as a TSGI fetch\(request, context\); pass --interface node/);
    }
    assert.equal(detectInterface((_request: Request, _context: unknown) => new Response('x'), 'tsgi').interface, 'tsgi');
    assert.equal(detectInterface((_req: unknown, _res: unknown) => {}, 'node').interface, 'node');
  });

  it('refuses a class, a value of no known shape, and a non-function under --interface node', () => {
    assert.throws(() => detectInterface(class Server {}, 'auto'), /found a class \(Server\); export an instance/);
    assert.throws(() => detectInterface({ handler() {} }, 'auto'), /expected a TSGI app .* found an object \(Object\) with keys \[handler\]/);
    assert.throws(() => detectInterface(42, 'node'), /--interface node expects a \(req, res\) listener function, a Koa app .* or a Fastify instance; found number 42/);
  });

  it('a Fastify instance, root or encapsulated, is a Node app served through its routing, and detection calls nothing', async () => {
    const fastify = Fastify();
    let readyCalls = 0;
    const ready = fastify.ready.bind(fastify);
    Object.assign(fastify, { ready: () => (readyCalls++, ready()) });
    for (const choice of ['auto', 'node'] as const) {
      const detection = detectInterface(fastify, choice);
      assert.deepEqual({ interface: detection.interface, host: detection.host }, { interface: 'node', host: 'fastify' });
      assert.match(detection.reason, /Fastify instance .*ready\(\) once/);
    }
    let child: unknown;
    await fastify.register(async (instance) => {
      child = instance;
    });
    assert.equal(detectInterface(child, 'auto').host, 'fastify');
    assert.equal(readyCalls, 0);
    await fastify.close();
  });

  it('a Fastify instance decorated with fetch() is still a Fastify instance', async () => {
    const fastify = Fastify().decorate('fetch', () => new Response('x'));
    assert.equal(detectInterface(fastify, 'auto').host, 'fastify');
    await fastify.close();
  });

  it('refuses fastify.server and any node server, naming what to export', async () => {
    const fastify = Fastify();
    const expected = /found a server object \(such as fastify\.server.*export const application = fastify/;
    assert.throws(() => detectInterface(fastify.server, 'auto'), expected);
    assert.throws(() => detectInterface(fastify.server, 'node'), expected);
    assert.throws(() => detectInterface(createServer(), 'auto'), expected);
    await fastify.close();
  });

  it('refuses a bare fastify.routing under auto, saying to export the instance; --interface node serves it as it is', async () => {
    const fastify = Fastify();
    assert.throws(() => detectInterface(fastify.routing, 'auto'), /found fastify\.routing alone: export the Fastify instance itself \(export const application = fastify\)/);
    assert.deepEqual(detectInterface(fastify.routing, 'node'), { interface: 'node', host: null, reason: '--interface node' });
    await fastify.close();
  });
});

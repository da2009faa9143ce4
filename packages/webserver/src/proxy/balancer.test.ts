// Balancing methods, backup servers, `down` and `max_conns`, on UpstreamServer objects directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Balancer } from './balancer.js';
import { UpstreamServer } from './upstream-server.js';
import { IdleCache } from './idle-cache.js';
import type { UpstreamServerOptions } from './options.js';
import { serverOptions } from './test-fixtures/helpers.js';

function make(specs: [string, Partial<UpstreamServerOptions>][]): UpstreamServer[] {
  return specs.map(([name, over], i) => new UpstreamServer(serverOptions(name, 9000 + i, over), new IdleCache(1), 1000));
}
const input = (over: Partial<Parameters<Balancer['pick']>[0]> = {}): Parameters<Balancer['pick']>[0] => ({
  clientAddress: '192.0.2.1',
  hashKey: '',
  tried: new Set(),
  now: Date.now(),
  ...over,
});

test('round robin is smooth and weighted (nginx: weights 5,1,1 give a a b a c a a)', () => {
  const servers = make([['a', { weight: 5 }], ['b', {}], ['c', {}]]);
  const b = new Balancer('round_robin', servers);
  const seq = Array.from({ length: 7 }, () => b.pick(input())!.options.name).join(' ');
  assert.equal(seq, 'a a b a c a a');
  for (const s of servers) s.destroy();
});

test('down servers are never picked; backups only when every primary is unavailable', () => {
  const servers = make([['a', {}], ['b', { down: true }], ['c', { backup: true }]]);
  const b = new Balancer('round_robin', servers);
  for (let i = 0; i < 4; i++) assert.equal(b.pick(input())!.options.name, 'a');
  servers[0]!.recordFailure(Date.now()); // max_fails 1: failed for fail_timeout
  assert.equal(b.pick(input())!.options.name, 'c');
  assert.equal(b.pick(input({ tried: new Set([servers[2]!]) })), undefined, 'no live upstreams');
  for (const s of servers) s.destroy();
});

test('max_conns: a full server is skipped', () => {
  const servers = make([['a', { maxConns: 1 }], ['b', {}]]);
  const b = new Balancer('least_conn', servers);
  servers[0]!.active = 1;
  for (let i = 0; i < 3; i++) assert.equal(b.pick(input())!.options.name, 'b');
  for (const s of servers) s.destroy();
});

test('least_conn picks the fewest in-flight requests relative to weight', () => {
  const servers = make([['a', { weight: 2 }], ['b', {}], ['c', {}]]);
  const b = new Balancer('least_conn', servers);
  servers[0]!.active = 3; // 1.5 per weight
  servers[1]!.active = 2;
  servers[2]!.active = 1;
  assert.equal(b.pick(input())!.options.name, 'c');
  servers[2]!.active = 4;
  assert.equal(b.pick(input())!.options.name, 'a');
  for (const s of servers) s.destroy();
});

test('ip_hash keeps a client (and its /24) on one server, and moves it only when that server fails', () => {
  const servers = make([['a', {}], ['b', {}], ['c', {}]]);
  const b = new Balancer('ip_hash', servers);
  const first = b.pick(input({ clientAddress: '198.51.100.7' }))!;
  for (let i = 0; i < 5; i++) assert.equal(b.pick(input({ clientAddress: '198.51.100.7' })), first);
  assert.equal(b.pick(input({ clientAddress: '198.51.100.200' })), first, 'same /24, same server');
  const names = new Set(Array.from({ length: 200 }, (_, i) => b.pick(input({ clientAddress: `10.${i}.${i % 7}.1` }))!.options.name));
  assert.equal(names.size, 3, 'different networks spread over all servers');
  const other = b.pick(input({ clientAddress: '198.51.100.7', tried: new Set([first]) }))!;
  assert.notEqual(other, first);
  for (const s of servers) s.destroy();
});

test('consistent hash: removing one of four servers moves only the keys it had', () => {
  const servers = make([['a', {}], ['b', {}], ['c', {}], ['d', {}]]);
  const b = new Balancer('hash', servers);
  const keys = Array.from({ length: 2000 }, (_, i) => `/item/${i}`);
  const before = keys.map((k) => b.pick(input({ hashKey: k }))!);
  const counts = new Map<string, number>();
  for (const s of before) counts.set(s.options.name, (counts.get(s.options.name) ?? 0) + 1);
  for (const n of ['a', 'b', 'c', 'd']) assert.ok((counts.get(n) ?? 0) > 250, `balanced enough: ${JSON.stringify([...counts])}`);
  servers[3]!.recordFailure(Date.now());
  const after = keys.map((k) => b.pick(input({ hashKey: k }))!);
  let moved = 0;
  for (let i = 0; i < keys.length; i++) {
    if (before[i] !== after[i]) {
      moved++;
      assert.equal(before[i], servers[3], 'only keys of the removed server move');
    }
  }
  assert.equal(moved, counts.get('d'));
  for (const s of servers) s.destroy();
});

/**
 * Picks the upstream server for one request: smooth weighted round robin (nginx's), least
 * connections, IP hash and consistent hashing of a key. Backup servers are considered only when no
 * primary server is available.
 * @module
 */
import type { BalanceMethod } from './options.js';
import type { UpstreamServer } from './upstream-server.js';

/** What a balancer may look at to choose. */
export interface PickInput {
  /** Client address (ip_hash). */
  readonly clientAddress: string;
  /** The evaluated hash key (hash). */
  readonly hashKey: string;
  /** Servers already tried for this request: never picked again. */
  readonly tried: ReadonlySet<UpstreamServer>;
  readonly now: number;
}

/** FNV-1a, 32 bits: fast, well spread and stable across processes (workers must agree). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that keys differing in their last characters spread over the ring.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Virtual points per unit of weight on the consistent-hashing ring (ketama uses 160). */
const POINTS_PER_WEIGHT = 160;

/** Chooses servers of one upstream block. */
export class Balancer {
  readonly #method: BalanceMethod;
  readonly #primary: UpstreamServer[];
  readonly #backup: UpstreamServer[];
  #ringPrimary: { points: Uint32Array; servers: UpstreamServer[] } | undefined;
  #ringBackup: { points: Uint32Array; servers: UpstreamServer[] } | undefined;

  constructor(method: BalanceMethod, servers: readonly UpstreamServer[]) {
    this.#method = method;
    this.#primary = servers.filter((s) => !s.options.backup);
    this.#backup = servers.filter((s) => s.options.backup);
  }

  /** The next server to try, or undefined when none is available ("no live upstreams"). */
  pick(input: PickInput): UpstreamServer | undefined {
    return this.#pickFrom(this.#primary, false, input) ?? this.#pickFrom(this.#backup, true, input);
  }

  #pickFrom(group: UpstreamServer[], backup: boolean, input: PickInput): UpstreamServer | undefined {
    if (group.length === 0) return undefined;
    switch (this.#method) {
      case 'least_conn':
        return leastConn(group, input);
      case 'ip_hash':
        return this.#hashPick(group, backup, ipHashKey(input.clientAddress), input);
      case 'hash':
        return this.#hashPick(group, backup, input.hashKey, input);
      default:
        return smoothWeighted(group, input);
    }
  }

  #hashPick(group: UpstreamServer[], backup: boolean, key: string, input: PickInput): UpstreamServer | undefined {
    const ring = backup ? (this.#ringBackup ??= buildRing(group)) : (this.#ringPrimary ??= buildRing(group));
    const n = ring.points.length;
    if (n === 0) return undefined;
    const h = fnv1a(key);
    // First point clockwise from the key (binary search), then onwards while servers are unavailable.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = 0; i < n; i++) {
      const s = ring.servers[(lo + i) % n]!;
      if (!input.tried.has(s) && s.available(input.now)) return s;
    }
    return undefined;
  }
}

/** nginx's ip_hash uses the first three octets of an IPv4 address (clients of one /24 stay together). */
function ipHashKey(address: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(v4);
  return m ? m[1]! : address;
}

function buildRing(group: UpstreamServer[]): { points: Uint32Array; servers: UpstreamServer[] } {
  const entries: { p: number; s: UpstreamServer }[] = [];
  for (const s of group) {
    const count = POINTS_PER_WEIGHT * Math.max(1, s.options.weight);
    for (let i = 0; i < count; i++) entries.push({ p: fnv1a(`${s.options.name}-${i}`), s });
  }
  entries.sort((a, b) => a.p - b.p);
  return { points: Uint32Array.from(entries, (e) => e.p), servers: entries.map((e) => e.s) };
}

/**
 * Smooth weighted round robin (nginx, 2012): each pick adds every server's weight to its current
 * weight, takes the largest and subtracts the total from it. Weights 5,1,1 give a a b a c a a, not a a a a a b c.
 */
function smoothWeighted(group: UpstreamServer[], input: PickInput): UpstreamServer | undefined {
  let best: UpstreamServer | undefined;
  let total = 0;
  for (const s of group) {
    if (input.tried.has(s) || !s.available(input.now)) continue;
    const w = s.options.weight;
    s.currentWeight += w;
    total += w;
    if (best === undefined || s.currentWeight > best.currentWeight) best = s;
  }
  if (best) best.currentWeight -= total;
  return best;
}

/** Fewest in-flight requests relative to weight; ties go round robin among the tied ones. */
function leastConn(group: UpstreamServer[], input: PickInput): UpstreamServer | undefined {
  let bestScore = Infinity;
  const tied: UpstreamServer[] = [];
  for (const s of group) {
    if (input.tried.has(s) || !s.available(input.now)) continue;
    const score = s.active / s.options.weight;
    if (score < bestScore) {
      bestScore = score;
      tied.length = 0;
      tied.push(s);
    } else if (score === bestScore) tied.push(s);
  }
  return tied.length <= 1 ? tied[0] : smoothWeighted(tied, input);
}

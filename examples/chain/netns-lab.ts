/**
 * Hosts made of Linux network namespaces, for tests of the chain across machines: a hub host
 * holding a bridge, and other hosts each joined to it by a veth pair, with addresses from
 * 10.213.0.0/24. Every name is unique to the run (`tsgi-<pid>-<host>`) and every interface is made
 * inside the namespaces (never in the machine's own), so nothing touches the real network and the
 * addresses cannot meet the machine's: they exist only inside these namespaces. Needs root and
 * iproute2 (`ip`, `tc`).
 *
 * ```
 *  web (hub): br0 10.213.0.1 ─┬─ v-app1 ══ eth0 10.213.0.2 (app1)
 *                             └─ v-app2 ══ eth0 10.213.0.3 (app2)
 * ```
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The subnet, used only inside the namespaces. */
const SUBNET = '10.213.0';
/** The hub bridge's MAC address (locally administered). */
const HUB_MAC = '02:00:0a:d5:00:01';

/** Why namespaces cannot be made here (not root, no permission), or undefined when they can. */
export async function namespacesUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'making network namespaces needs root (ip netns add); CI runs this test as root';
  const probe = `tsgi-${process.pid}-probe`;
  try {
    await ip(['netns', 'add', probe]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return `ip netns add failed: ${(error as Error).message.trim()}`;
  }
  await ip(['netns', 'del', probe]);
  return undefined;
}

/** `ip ARGS`; a missing binary names the Debian package, a failure carries ip's message. */
async function ip(args: readonly string[]): Promise<string> {
  return tool('ip', args);
}

async function tool(bin: 'ip' | 'tc', args: readonly string[]): Promise<string> {
  try {
    return (await run(bin, args, { timeout: 10_000 })).stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw Object.assign(new Error(`${bin} is missing: install the Debian package iproute2 (.ci/run does). This test does not skip for it.`), { code: 'ENOENT' });
    throw new Error(`${bin} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** One host: its namespace and address. */
export interface Host {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
}

/**
 * The hub and its hosts, made by {@link NetnsLab.create} and removed by {@link NetnsLab.destroy}.
 *
 * @example
 * ```ts
 * const lab = await NetnsLab.create(['app1', 'app2']);
 * try {
 *   const child = lab.spawn(lab.hub, ['node', 'server.js']);
 *   await lab.linkDown('app1');
 * } finally {
 *   await lab.destroy();
 * }
 * ```
 */
export class NetnsLab {
  readonly hub: Host;
  readonly hosts: ReadonlyMap<string, Host>;
  /** Namespaces made so far (all of them removed by destroy, even after a failed create). */
  readonly #made: string[] = [];

  private constructor(names: readonly string[]) {
    const ns = (n: string) => `tsgi-${process.pid}-${n}`;
    this.hub = { name: 'web', netns: ns('web'), address: `${SUBNET}.1` };
    this.hosts = new Map(names.map((n, i) => [n, { name: n, netns: ns(n), address: `${SUBNET}.${i + 2}` }]));
  }

  /** Makes the hub `web` and the hosts, each with `lo` up, joined by the hub's bridge. */
  static async create(names: readonly string[]): Promise<NetnsLab> {
    const lab = new NetnsLab(names);
    try {
      await lab.#build();
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  async #build(): Promise<void> {
    const hub = this.hub.netns;
    for (const h of [this.hub, ...this.hosts.values()]) {
      // A namespace of this name can only be left over from a killed run that had this pid.
      await ip(['netns', 'del', h.netns]).catch(() => undefined);
      await ip(['netns', 'add', h.netns]);
      this.#made.push(h.netns);
      await ip(['-n', h.netns, 'link', 'set', 'lo', 'up']);
    }
    // A fixed address: a bridge otherwise takes its ports', which the neighbour entries below would outlive.
    await ip(['-n', hub, 'link', 'add', 'br0', 'address', HUB_MAC, 'type', 'bridge']);
    await ip(['-n', hub, 'addr', 'add', `${this.hub.address}/24`, 'dev', 'br0']);
    await ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    for (const h of this.hosts.values()) {
      // Both ends made where they live: the bridge side in the hub, eth0 in the host.
      await ip(['-n', hub, 'link', 'add', this.port(h.name), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
      await ip(['-n', hub, 'link', 'set', this.port(h.name), 'master', 'br0', 'up']);
      await ip(['-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
      await ip(['-n', h.netns, 'link', 'set', 'eth0', 'up']);
      // Permanent neighbour entries both ways, as on a network whose ARP caches are warm: after a
      // link comes back the kernel would otherwise re-resolve a failed neighbour only at its next
      // 1 s retry, and the rejoin measured would be ARP's, not the web server's.
      const mac = (JSON.parse(await ip(['-n', h.netns, '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0]!.address;
      await ip(['-n', hub, 'neigh', 'replace', h.address, 'lladdr', mac, 'dev', 'br0', 'nud', 'permanent']);
      await ip(['-n', h.netns, 'neigh', 'replace', this.hub.address, 'lladdr', HUB_MAC, 'dev', 'eth0', 'nud', 'permanent']);
    }
  }

  /** The bridge port of a host (the hub's end of its veth pair). */
  port(name: string): string {
    return `v-${name}`;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Runs `argv` inside a host's namespace (`ip netns exec` execs it: the child's pid is the command's). */
  spawn(host: Host, argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', host.netns, ...argv], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** The host's cable pulled: its bridge port down (packets to it are dropped, nothing is refused). */
  async linkDown(name: string): Promise<void> {
    await ip(['-n', this.hub.netns, 'link', 'set', this.port(name), 'down']);
  }

  async linkUp(name: string): Promise<void> {
    await ip(['-n', this.hub.netns, 'link', 'set', this.port(name), 'up']);
  }

  /**
   * Makes a host slow: `tc netem delay` on what it sends. Kernels built without sch_netem (some
   * VMs) get a token bucket of 256 kbit/s instead, which delays a 1 KiB answer by ~40 ms and more
   * when answers queue. Returns the qdisc used, for the test's log.
   */
  async slow(name: string, delayMs: number): Promise<string> {
    const ns = this.host(name).netns;
    const netem = ['netem', 'delay', `${delayMs}ms`];
    try {
      await tool('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'eth0', 'root', ...netem]);
      return netem.join(' ');
    } catch (error) {
      if (!/unknown/i.test((error as Error).message)) throw error;
    }
    const tbf = ['tbf', 'rate', '256kbit', 'burst', '1600', 'latency', '2s'];
    await tool('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'eth0', 'root', ...tbf]);
    return `${tbf.join(' ')} (this kernel has no sch_netem)`;
  }

  async unslow(name: string): Promise<void> {
    await tool('tc', ['-n', this.host(name).netns, 'qdisc', 'del', 'dev', 'eth0', 'root']);
  }

  /** Kills whatever still runs in the namespaces (by pid, from `ip netns pids`) and deletes them. */
  async destroy(): Promise<void> {
    for (const ns of this.#made) {
      const pids = await ip(['netns', 'pids', ns]).catch(() => '');
      for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // Deleting the hub takes the bridge and every veth pair with it.
    for (const ns of this.#made.splice(0).reverse()) await ip(['netns', 'del', ns]).catch(() => undefined);
  }
}

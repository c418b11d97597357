// A small network of hosts on one machine for failure tests: every node is a Linux network
// namespace with one veth link into a "switch" namespace, where the links meet on a bridge. The
// nodes share the machine's filesystem and CPUs, nothing else: each has its own loopback, its own
// address on a private /24 and no route anywhere but that /24, so the processes started here talk
// to each other only through the links, which a test can cut, partition or impair.
//
// Nothing here touches the root namespace's interfaces or routes: the veth pairs are created
// inside the switch namespace with their peers moved straight into the node namespaces, and they
// disappear with the namespaces in teardown().
//
// Impairment (delay, jitter, loss) is tc netem where the kernel has it (sch_netem). Kernels built
// without it (this project's CI VMs have no netem, no gact) get the same effect from a wire in
// user space: the node's link is moved off the switch's bridge onto a bridge of its own with a TAP
// device, and a small Python program (stdlib only) carries every Ethernet frame between that TAP
// and a second one on the switch's bridge, holding each for the delay (plus uniform jitter, so
// frames may overtake each other as with netem) or dropping it with the loss probability.
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`); canUseNetns() says why not when it
// cannot run.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const run = promisify(execFile);
const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every namespace of a lab is named `<LAB_PREFIX>-<pid of the test process>-<6 hex chars>-<node>`. */
export const LAB_PREFIX = 'xnf';
const LAB_NAME = new RegExp(`^${LAB_PREFIX}-(\\d+)-[0-9a-f]{6}-`);
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(file: string, args: readonly string[], timeoutMs = 15_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
  }
}

/** `ip` with its arguments; throws with its stderr when it fails. */
async function ip(...args: string[]): Promise<string> {
  const result = await command('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

export type Impairment = 'tc-netem' | 'user-space-wire';

let impairment: Promise<Impairment | string> | undefined;

/**
 * How this machine delays and drops packets on a link: tc netem, or else the user-space wire
 * (python3 and /dev/net/tun); a string says why neither works. Probed once, in a throwaway namespace.
 */
export function impairmentKind(): Promise<Impairment | string> {
  impairment ??= (async () => {
    const probe = `${LAB_PREFIX}probe${randomBytes(3).toString('hex')}`;
    const added = await command('ip', ['netns', 'add', probe]);
    if (added.code !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
    try {
      const veth = await command('ip', ['-n', probe, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0']);
      if (veth.code !== 0) return `cannot create a veth pair in a namespace: ${veth.stderr.trim()}`;
      const netem = await command('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'a0', 'root', 'netem', 'delay', '1ms']);
      if (netem.code === 0) return 'tc-netem';
      const wire = await command('ip', ['netns', 'exec', probe, PYTHON, '-c', WIRE_SOURCE, 'probe']);
      if (wire.code === 0) return 'user-space-wire';
      return `no tc netem (${netem.stderr.trim()}) and no user-space wire (${PYTHON} with /dev/net/tun: ${wire.stderr.trim().split('\n').at(-1)})`;
    } finally {
      await command('ip', ['netns', 'del', probe]);
    }
  })();
  return impairment;
}

/**
 * Why this machine cannot build a lab (null: it can). Tries the real thing with a throwaway
 * namespace: root alone is not enough in a container without CAP_SYS_ADMIN.
 */
export async function canUseNetns(): Promise<string | null> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add); run the test as root';
  const version = await command('ip', ['-V']);
  if (version.code !== 0) return `no usable ip command (iproute2): ${version.stderr.trim()}`;
  const probe = `${LAB_PREFIX}probe${randomBytes(3).toString('hex')}`;
  const added = await command('ip', ['netns', 'add', probe]);
  if (added.code !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  try {
    const bridge = await command('ip', ['-n', probe, 'link', 'add', 'br0', 'type', 'bridge']);
    if (bridge.code !== 0) return `cannot create a bridge in a namespace: ${bridge.stderr.trim()}`;
  } finally {
    await command('ip', ['netns', 'del', probe]);
  }
  const kind = await impairmentKind();
  return kind === 'tc-netem' || kind === 'user-space-wire' ? null : kind;
}

/** Namespaces left by labs on this machine (any lab: pass a lab's id to look for its own). */
export async function labNamespaces(prefix = LAB_PREFIX): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}

export interface LabNode {
  name: string;
  /** Its network namespace. */
  ns: string;
  /** Its address on the lab's /24. */
  address: string;
  /** Its link's end in the switch namespace. */
  switchPort: string;
  index: number;
}

export interface LabProcess {
  child: ChildProcess;
  /** The node it runs on. */
  node: string;
  output: () => string;
  /** The exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Added to (not replacing) this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this user (setpriv, which execs: the pid stays the program's). */
  user?: string;
}

interface Wire {
  process: LabProcess;
  bridge: string;
}

const SWITCH = 'switch';

export class Lab {
  /** The lab's own prefix: every namespace it made starts with it. */
  readonly id: string;
  /** The first three octets of the lab's /24. */
  readonly subnet: string;
  private readonly switchNs: string;
  private readonly nodes = new Map<string, LabNode>();
  private readonly processes = new Set<LabProcess>();
  private readonly wires = new Map<string, Wire>();
  private readonly created: string[] = [];
  private tornDown = false;

  private constructor(id: string, thirdOctet: number) {
    this.id = id;
    this.subnet = `10.213.${thirdOctet}`;
    this.switchNs = `${id}-${SWITCH}`;
  }

  /**
   * Builds the switch and one node per name (addresses .11, .12, ... in name order). On failure
   * whatever was made is removed before the error is thrown.
   */
  static async create(names: readonly string[]): Promise<Lab> {
    if (names.includes(SWITCH)) throw new Error(`"${SWITCH}" is the lab's own namespace`);
    await reapOrphanLabs();
    const lab = new Lab(`${LAB_PREFIX}-${process.pid}-${randomBytes(3).toString('hex')}`, 1 + Math.floor(Math.random() * 250));
    try {
      await lab.addNamespace(lab.switchNs);
      await ip('-n', lab.switchNs, 'link', 'set', 'lo', 'up');
      await ip('-n', lab.switchNs, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', lab.switchNs, 'link', 'set', 'br0', 'up');
      for (const [index, name] of names.entries()) {
        const node: LabNode = { name, ns: `${lab.id}-${name}`, address: `${lab.subnet}.${11 + index}`, switchPort: `p${index}`, index };
        await lab.addNamespace(node.ns);
        // Created in the switch namespace, its peer moved into the node's: no interface ever
        // appears in the root namespace, so names cannot clash with anything there.
        await ip('-n', lab.switchNs, 'link', 'add', node.switchPort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.ns);
        await ip('-n', lab.switchNs, 'link', 'set', node.switchPort, 'master', 'br0');
        await ip('-n', lab.switchNs, 'link', 'set', node.switchPort, 'up');
        await ip('-n', node.ns, 'link', 'set', 'lo', 'up');
        await ip('-n', node.ns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0');
        await ip('-n', node.ns, 'link', 'set', 'eth0', 'up');
        lab.nodes.set(name, node);
      }
      return lab;
    } catch (error) {
      await lab.teardown();
      throw error;
    }
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip('netns', 'add', ns);
    this.created.push(ns);
  }

  node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no lab node ${name}`);
    return node;
  }

  address(name: string): string {
    return this.node(name).address;
  }

  /** Every namespace this lab made (the switch's included). */
  namespaces(): string[] {
    return [...this.created];
  }

  /** Runs a command inside the node's namespace to its end. */
  exec(name: string, argv: readonly string[], timeoutMs = 15_000): Promise<CommandResult> {
    return command('ip', ['netns', 'exec', this.node(name).ns, ...argv], timeoutMs);
  }

  /** Starts a long-running program inside the node's namespace; teardown() kills it if still running. */
  spawn(name: string, argv: readonly string[], options: SpawnOptions = {}): LabProcess {
    return this.spawnIn(this.node(name).ns, name, argv, options);
  }

  private spawnIn(ns: string, label: string, argv: readonly string[], options: SpawnOptions = {}): LabProcess {
    // `ip netns exec` and setpriv both exec: the child's pid is the program's own.
    const asUser = options.user ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups', '--'] : [];
    const child = spawn('ip', ['netns', 'exec', ns, ...asUser, ...argv], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdin!.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc: LabProcess = {
      child,
      node: label,
      output: () => output,
      exited,
      async kill(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.processes.add(proc);
    void exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** One of the project's entry points (dist/<entry>) with node, as startApp does, inside the node's namespace. */
  startApp(name: string, entry: string, env: Record<string, string>, args: readonly string[] = []): LabProcess {
    return this.spawn(name, [process.execPath, path.join(distRoot, entry), ...args], { env });
  }

  /** Pulls the node's cable: its link goes down at the switch, and every packet to or from it is lost. */
  async cut(name: string): Promise<void> {
    await ip('-n', this.switchNs, 'link', 'set', this.node(name).switchPort, 'down');
  }

  async restore(name: string): Promise<void> {
    await ip('-n', this.switchNs, 'link', 'set', this.node(name).switchPort, 'up');
  }

  /**
   * Loses every packet between two nodes, both ways, while both keep their other paths:
   * blackhole routes on each side (nothing leaves, no ICMP comes back, as on a dead path).
   */
  async partition(a: string, b: string): Promise<void> {
    await ip('-n', this.node(a).ns, 'route', 'add', 'blackhole', `${this.address(b)}/32`);
    await ip('-n', this.node(b).ns, 'route', 'add', 'blackhole', `${this.address(a)}/32`);
  }

  async heal(a: string, b: string): Promise<void> {
    await ip('-n', this.node(a).ns, 'route', 'del', 'blackhole', `${this.address(b)}/32`);
    await ip('-n', this.node(b).ns, 'route', 'del', 'blackhole', `${this.address(a)}/32`);
  }

  /**
   * Impairs the node's link both ways, in netem's words: netem('worker-a', 'delay 100ms 30ms loss 5%')
   * (delay with uniform jitter, loss in percent). tc netem when the kernel has it, else the
   * user-space wire (see the top of this file). Returns which one is in place.
   */
  async netem(name: string, spec: string): Promise<Impairment> {
    const kind = await impairmentKind();
    if (kind !== 'tc-netem' && kind !== 'user-space-wire') throw new Error(kind);
    const node = this.node(name);
    await this.clearNetem(name);
    if (kind === 'tc-netem') {
      const args = spec.trim().split(/\s+/);
      for (const [ns, dev] of [[node.ns, 'eth0'], [this.switchNs, node.switchPort]] as const) {
        const result = await command('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', ...args]);
        if (result.code !== 0) throw new Error(`tc netem ${spec} on ${ns}/${dev}: ${result.stderr.trim()}`);
      }
      return kind;
    }
    const { delayMs, jitterMs, lossPercent } = parseNetem(spec);
    const [nodeSide, switchSide, bridge] = [`wn${node.index}`, `ws${node.index}`, `wb${node.index}`];
    const wire = this.spawnIn(this.switchNs, `wire ${name}`, [PYTHON, '-c', WIRE_SOURCE, nodeSide, switchSide, String(delayMs), String(jitterMs), String(lossPercent)]);
    await waitForOutput(wire, /^ready$/m, 10_000, `the wire for ${name}`);
    this.wires.set(name, { process: wire, bridge });
    // node eth0 <-> switchPort -- bridge -- nodeSide TAP <-> wire <-> switchSide TAP -- br0
    await ip('-n', this.switchNs, 'link', 'add', bridge, 'type', 'bridge');
    await ip('-n', this.switchNs, 'link', 'set', bridge, 'up');
    await ip('-n', this.switchNs, 'link', 'set', nodeSide, 'master', bridge);
    await ip('-n', this.switchNs, 'link', 'set', nodeSide, 'up');
    await ip('-n', this.switchNs, 'link', 'set', switchSide, 'master', 'br0');
    await ip('-n', this.switchNs, 'link', 'set', switchSide, 'up');
    await ip('-n', this.switchNs, 'link', 'set', node.switchPort, 'master', bridge);
    return kind;
  }

  /** Takes the impairment off the node's link (nothing when there is none). */
  async clearNetem(name: string): Promise<void> {
    const node = this.node(name);
    const wire = this.wires.get(name);
    if (wire) {
      this.wires.delete(name);
      await ip('-n', this.switchNs, 'link', 'set', node.switchPort, 'master', 'br0');
      await wire.process.kill('SIGTERM'); // its TAP devices go with it
      await ip('-n', this.switchNs, 'link', 'del', wire.bridge);
      return;
    }
    if ((await impairmentKind()) !== 'tc-netem') return;
    for (const [ns, dev] of [[node.ns, 'eth0'], [this.switchNs, node.switchPort]] as const) {
      await command('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root']);
    }
  }

  /**
   * Kills what runs in the lab and deletes its namespaces (their veth pairs go with them).
   * Safe to call more than once and after a partial create().
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const started = [...this.processes];
    await Promise.all(started.map((p) => withTimeout(p.kill('SIGKILL'), 5_000)));
    // Anything else inside: children of what was started (postgres's backends, say). A namespace
    // with a process left in it would outlive `ip netns del`.
    for (const ns of this.created) {
      const pids = await command('ip', ['netns', 'pids', ns]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const ns of [...this.created].reverse()) {
      for (let i = 0; i < 50; i++) {
        if ((await command('ip', ['netns', 'pids', ns])).stdout.trim() === '') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await command('ip', ['netns', 'del', ns]);
    }
  }
}

/**
 * Labs whose test process is gone (killed before its teardown could run): whatever still runs in
 * them is killed and their namespaces deleted. A lab of a live process is left alone.
 */
export async function reapOrphanLabs(): Promise<string[]> {
  const reaped: string[] = [];
  for (const ns of await labNamespaces(`${LAB_PREFIX}-`)) {
    const pid = Number(LAB_NAME.exec(ns)?.[1]);
    if (!pid || isAlive(pid)) continue;
    const pids = await command('ip', ['netns', 'pids', ns]);
    for (const p of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await command('ip', ['netns', 'del', ns]);
    reaped.push(ns);
  }
  return reaped;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie is dead: its parent has not collected it yet.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  return !/^\d+ \(.*\) Z/s.test(stat);
}

export function parseNetem(spec: string): { delayMs: number; jitterMs: number; lossPercent: number } {
  const ms = (value: string | undefined) => {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s)?$/.exec(value ?? '');
    if (!m) throw new Error(`netem: not a time: ${value} in "${spec}"`);
    return Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'us' ? 0.001 : 1);
  };
  const words = spec.trim().split(/\s+/);
  let delayMs = 0;
  let jitterMs = 0;
  let lossPercent = 0;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 'delay') {
      delayMs = ms(words[++i]);
      if (/^\d/.test(words[i + 1] ?? '')) jitterMs = ms(words[++i]);
    } else if (words[i] === 'loss') {
      const m = /^(\d+(?:\.\d+)?)%$/.exec(words[++i] ?? '');
      if (!m) throw new Error(`netem: not a percentage: ${words[i]} in "${spec}"`);
      lossPercent = Number(m[1]);
    } else {
      throw new Error(`netem: the user-space wire knows delay and loss only, not "${words[i]}" in "${spec}"`);
    }
  }
  return { delayMs, jitterMs, lossPercent };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
}

/** Waits until the process has printed a line matching `pattern`; fails early when it exits. */
export async function waitForOutput(proc: LabProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (!pattern.test(proc.output())) {
    if (exited) throw new Error(`${what} exited before it was ready:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The user-space wire: two TAP devices (created here, gone when this process ends), frames
 * carried between them after a delay with uniform jitter, or dropped with a probability. Ends
 * when its stdin closes (the test process died) or on SIGTERM. Argument "probe": exits 0 when a
 * TAP device can be made. Frames reach a TAP device already segmented and with their checksums
 * filled in (a TAP device without IFF_VNET_HDR has no offloads), so carrying them as bytes is exact.
 */
export const WIRE_SOURCE = `
import fcntl, heapq, os, random, select, struct, sys, time
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454ca, 0x0002, 0x1000
def tap(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd
if sys.argv[1] == 'probe':
    tap('probe0'); sys.exit(0)
a, b = tap(sys.argv[1]), tap(sys.argv[2])
delay, jitter, loss = float(sys.argv[3]) / 1000, float(sys.argv[4]) / 1000, float(sys.argv[5]) / 100
peer = {a: b, b: a}
queue, seq, LIMIT = [], 0, 1000
stdin = sys.stdin.fileno()
print('ready', flush=True)
while True:
    timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
    ready, _, _ = select.select([a, b, stdin], [], [], timeout)
    if stdin in ready and not os.read(stdin, 4096):
        break
    for fd in (a, b):
        if fd not in ready:
            continue
        while True:
            try:
                frame = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                break
            if random.random() < loss or len(queue) >= LIMIT:
                continue
            seq += 1
            held = max(0.0, delay + random.uniform(-jitter, jitter))
            heapq.heappush(queue, (time.monotonic() + held, seq, peer[fd], frame))
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, fd, frame = heapq.heappop(queue)
        try:
            os.write(fd, frame)
        except OSError:
            pass
`;

/**
 * Source of the relay the test runs in its client namespace: it listens on Unix sockets (which
 * live in the filesystem, so the test process in the root namespace can reach them) and forwards
 * each connection over TCP from the client namespace to a lab address. The test's HTTP,
 * WebSocket and SQL traffic thus leaves from the client node and crosses the lab's links like
 * any client's would. Argument: JSON [{ socket, host, port }]; prints "ready" once listening.
 */
export const RELAY_SOURCE = `
const net = require('node:net');
const fs = require('node:fs');
const routes = JSON.parse(process.argv[1]);
let listening = 0;
for (const { socket, host, port } of routes) {
  try { fs.unlinkSync(socket); } catch {}
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host, port });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => { inbound.destroy(); outbound.destroy(); };
    for (const s of [inbound, outbound]) { s.on('error', end); s.on('close', end); }
  });
  server.listen(socket, () => { if (++listening === routes.length) console.log('ready'); });
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface Route {
  socket: string;
  host: string;
  port: number;
}

/** Starts the relay (RELAY_SOURCE) on the node and waits until it listens. */
export async function startRelay(lab: Lab, name: string, routes: readonly Route[]): Promise<LabProcess> {
  const relay = lab.spawn(name, [process.execPath, '-e', RELAY_SOURCE, JSON.stringify(routes)]);
  await waitForOutput(relay, /^ready$/m, 10_000, `the relay on ${name}`);
  return relay;
}

/**
 * nats-server with JetStream (storage under `dir`), listening on the node's address; `config`:
 * lines of a server configuration file (e.g. ping_interval: "2s").
 */
export async function startNatsServer(lab: Lab, name: string, dir: string, config: readonly string[] = [], port = 4222): Promise<LabProcess> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'nats.conf');
  await fs.writeFile(file, config.map((line) => `${line}\n`).join(''));
  const nats = lab.spawn(name, ['nats-server', '-c', file, '-a', lab.address(name), '-p', String(port), '-js', '-sd', dir, '-n', `${lab.id}-${name}`]);
  await waitForOutput(nats, /Server is ready/, 15_000, `nats-server on ${name}`);
  return nats;
}

/**
 * A PostgreSQL server of its own (initdb into `dir`, trust for the lab's /24), listening on the
 * node's address only (no Unix socket), run as the `postgres` user, which owns `dir`; `extra`:
 * more settings (-c name=value).
 */
export async function startPostgres(lab: Lab, name: string, dir: string, port = 5432, extra: Record<string, string> = {}): Promise<LabProcess> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // The user must reach its folder: every parent is left traversable.
  await fs.chmod(path.dirname(dir), 0o755);
  await command('chown', ['postgres:postgres', dir]);
  const init = await command('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', path.join(PG_BIN, 'initdb'), '-D', dir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], 60_000);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  await fs.appendFile(path.join(dir, 'pg_hba.conf'), `host all all ${lab.subnet}.0/24 trust\n`);
  const settings = {
    listen_addresses: lab.address(name), port: String(port), unix_socket_directories: '', fsync: 'off',
    synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200', shared_buffers: '32MB', ...extra,
  };
  const argv = [path.join(PG_BIN, 'postgres'), '-D', dir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const pg = lab.spawn(name, argv, { user: 'postgres' });
  await waitForOutput(pg, /database system is ready to accept connections/, 30_000, `postgres on ${name}`);
  return pg;
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/** A GraphQL request over HTTP through a relay's Unix socket; rejects after timeoutMs. */
export function gqlOverSocket<T = any>(socket: string, query: string, variables?: Record<string, unknown>, key?: string, timeoutMs = 30_000): Promise<GraphQLResponse<T>> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        socketPath: socket, path: '/graphql', method: 'POST', timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(key ? { authorization: `Bearer ${key}` } : {}) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(text) as GraphQLResponse<T>);
          } catch {
            reject(new Error(`HTTP ${response.statusCode}: ${text.slice(0, 500)}`));
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** GET on a path through a relay's Unix socket; the status code (0 when unreachable). */
export function httpStatusOverSocket(socket: string, urlPath: string, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: urlPath, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** A graphql-ws client whose WebSocket goes through a relay's Unix socket. */
export function wsClientOverSocket(socket: string, key?: string): Client {
  return createClient({
    url: `ws+unix:${socket}:/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...(key ? { connectionParams: { authorization: `Bearer ${key}` } } : {}),
  });
}

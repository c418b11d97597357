// Starts the platform's apps as separate OS processes, as a cluster would run them, and talks to
// them over HTTP and graphql-ws.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { subjectsFor } from '../../schema/subjects.js';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `nodeArgs` go to node before the entry (e.g. --cpu-prof, which NODE_OPTIONS does not allow);
 * `where`: another working folder, and another dist/ to run the entry from (a clone's).
 */
export function startApp(
  entry: string,
  env: Record<string, string>,
  args: readonly string[] = [],
  nodeArgs: readonly string[] = [],
  where: { cwd?: string; distRoot?: string } = {},
): AppProcess {
  const child = spawn(process.execPath, [...nodeArgs, path.join(where.distRoot ?? distRoot, entry), ...args], {
    env: { ...process.env, ...env },
    ...(where.cwd ? { cwd: where.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls until the probe returns something other than undefined, null or false, and returns that. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Polls an in-process condition closely (10 ms), for tests that watch a bus or a subscription. */
export async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

export function wsClient(url: string, key?: string): Client {
  return createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, ...(key ? { connectionParams: { authorization: `Bearer ${key}` } } : {}) });
}

/** Creates an API key the way an operator does, with `npm run keys` against the platform's database; returns the secret. */
export async function createKeyWithCli(env: Record<string, string>, name: string, role: 'reader' | 'trainer' | 'admin'): Promise<string> {
  const cli = startApp('deploy/keys.js', env, ['create', '--name', name, '--role', role]);
  const code = await cli.exited;
  if (code !== 0) throw new Error(`npm run keys failed (${code}): ${cli.output()}`);
  const secret = /^(xlk_\S+)$/m.exec(cli.output())?.[1];
  if (!secret) throw new Error(`no secret in: ${cli.output()}`);
  return secret;
}

/** Collects every item of one subscription until it completes. */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown>): Promise<T[]> {
  const items: T[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : items.push(result.data as T)),
        error: reject,
        complete: () => resolve(items),
      },
    );
  });
}

/** Removes a test's job stream from the shared NATS server (the server keeps running). */
export async function dropJobStream(servers: string, prefix: string): Promise<void> {
  const nc = await connect({ servers });
  try {
    await (await jetstreamManager(nc)).streams.delete(subjectsFor(prefix).jobStream).catch(() => false);
  } finally {
    await nc.close();
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DemoCredentials } from '../../src/services/demo-tenant.js';

/** The repository root: servers run `src/main.ts` from here through tsx. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** http://, or https:// when the server was given ALLOT_TLS_CERT. */
  url: string;
  /** Everything it printed so far (for failure messages and log assertions). */
  output: () => string;
  /** On 'close' (not 'exit'): the pipes are drained, so the output is complete. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop: () => Promise<void>;
}

/** A TCP port free on the loopback right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') {
    throw new Error('no free port');
  }
  return address.port;
}

export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/**
 * Spawns `allot serve` on a free loopback port with `env` added to this process's environment,
 * without waiting for it to be ready (it may be meant to fail). The child is added to `spawned`,
 * so the test can kill what is left.
 */
export async function spawnAllotServer(env: Record<string, string>, spawned: ChildProcess[]): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    port,
    url: `${env.ALLOT_TLS_CERT === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    exited,
    stop: async () => {
      if (isRunning(child)) {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}

/** Whether /readyz answers 200; over HTTPS trusting only `certFile` (the tests' certificates are self-signed). */
function answersReady(url: string, certFile: string | undefined): Promise<boolean> {
  if (certFile === undefined) {
    return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false);
  }
  return new Promise((resolve) => {
    const probe = https.get(`${url}/readyz`, { ca: fs.readFileSync(certFile), timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
  });
}

/**
 * Starts `allot serve` as spawnAllotServer does and waits until /readyz answers; throws with the
 * server's output if it exits first or is not ready within `readyTimeoutMs`.
 */
export async function startAllotServer(env: Record<string, string>, spawned: ChildProcess[], readyTimeoutMs = 90_000): Promise<ServerProcess> {
  const server = await spawnAllotServer(env, spawned);
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!isRunning(server.child)) {
      throw new Error(`server exited before it was ready (code ${server.child.exitCode}, signal ${server.child.signalCode})\n${server.output()}`);
    }
    if (await answersReady(server.url, env.ALLOT_TLS_CERT)) {
      return server;
    }
    if (Date.now() > deadline) {
      throw new Error(`server not ready after ${readyTimeoutMs} ms\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Signals every spawned server still running and waits (10 s at most each) until it closed: the afterAll of process tests. */
export async function killAll(spawned: readonly ChildProcess[], signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
  for (const child of spawned) {
    if (isRunning(child)) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill(signal);
      await within(closed, 10_000, `killing pid ${child.pid}`).catch(() => undefined);
    }
  }
}

/** `promise`, or a rejection naming `what` if it does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a server that seeded the demo wrote its generated secrets. */
export const demoCredentialsFile = (dataDir: string): string => path.join(dataDir, 'demo-credentials.json');

export const readDemoCredentials = (dataDir: string): DemoCredentials => JSON.parse(fs.readFileSync(demoCredentialsFile(dataDir), 'utf8')) as DemoCredentials;

/** A bearer token (`Bearer …`) of the demo app, from the server's token endpoint. */
export async function demoAppAuthorization(serverUrl: string, demo: Pick<DemoCredentials, 'tenantId' | 'app'>): Promise<string> {
  const response = await fetch(`${serverUrl}/${demo.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.app.clientId, client_secret: demo.app.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

/** The pid in the data directory's lock file. */
export const lockHolderPid = (dataDir: string): number => (JSON.parse(fs.readFileSync(path.join(dataDir, 'allot.lock'), 'utf8')) as { pid: number }).pid;

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Real `allot serve` processes on one embedded data directory, in sequence: a second process is
 * refused by the lock, kill -9 leaves a stale lock that the next start takes over (committed writes
 * survive), SIGTERM drains an in-flight request, exits 0 and releases the lock.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 60_000;

interface Server {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const spawned: ChildProcess[] = [];
let dataDir: string;
let lockFile: string;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') {
    throw new Error('no port');
  }
  return address.port;
}

async function spawnServer(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' (not 'exit'): the pipes are drained, so stderr is complete.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`, exited };
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function waitReady(server: Server): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(server.child)) {
      throw new Error(`server exited before it was ready (code ${server.child.exitCode}, signal ${server.child.signalCode})\n${server.output()}`);
    }
    try {
      const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms\n${server.output()}`);
}

async function startServer(): Promise<Server> {
  const server = await spawnServer();
  await waitReady(server);
  return server;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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

/** A bearer token of the demo app, whose secret the seeded server wrote to demo-credentials.json. */
async function authorizationOf(server: Server): Promise<string> {
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { tenantId: string; app: { clientId: string; clientSecret: string } };
  const response = await fetch(`${server.url}/${credentials.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.app.clientId, client_secret: credentials.app.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

async function getJson<T = Record<string, unknown>>(server: Server, url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${url}`, { headers: { authorization: await authorizationOf(server) }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as T };
}

async function subscribedSkus(server: Server): Promise<{ skuId: string; consumedUnits: number; enabled: number }[]> {
  const { status, body } = await getJson<{ value: { skuId: string; consumedUnits: number; prepaidUnits: { enabled: number } }[] }>(server, '/v1.0/subscribedSkus');
  expect(status).toBe(200);
  return body.value
    .map((sku) => ({ skuId: sku.skuId, consumedUnits: sku.consumedUnits, enabled: sku.prepaidUnits.enabled }))
    .sort((a, b) => a.skuId.localeCompare(b.skuId));
}

const newUser = (nickname: string, displayName: string) => ({
  accountEnabled: true,
  displayName,
  mailNickname: nickname,
  userPrincipalName: `${nickname.replace('test', '.test')}@contoso.onmicrosoft.com`,
});

/**
 * A POST whose headers arrive now and whose body arrives only when `finish()` is called: a request
 * in flight for as long as the test wants. Resolves with the raw HTTP response.
 */
function slowPost(server: Server, url: string, body: unknown, authorization: string): { finish: () => void; response: Promise<string> } {
  const payload = Buffer.from(JSON.stringify(body));
  const socket = net.connect(server.port, '127.0.0.1');
  const head = [`POST ${url} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, 'Content-Type: application/json', `Authorization: ${authorization}`, `Content-Length: ${payload.length}`, 'Connection: close', '', ''].join('\r\n');
  socket.write(head);
  socket.write(payload.subarray(0, 10));
  const response = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  return { finish: () => socket.end(payload.subarray(10)), response };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-process-'));
  lockFile = path.join(dataDir, 'allot.lock');
});

afterAll(async () => {
  for (const child of spawned) {
    if (isRunning(child)) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await within(closed, 10_000, `killing pid ${child.pid}`).catch(() => undefined);
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('server processes on one data directory', () => {
  let first: Server;
  let beforeKill: Awaited<ReturnType<typeof subscribedSkus>>;
  let second: Server;

  it('starts on a fresh directory (creates, migrates, seeds) and writes the lock', async () => {
    first = await startServer();
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number };
    expect(lock.pid).toBe(first.child.pid);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect((await subscribedSkus(first)).length).toBeGreaterThan(0);
  });

  it('refuses a second process on the same directory: non-zero exit naming the directory and the holder pid', async () => {
    const intruder = await spawnServer();
    const { code } = await within(intruder.exited, 30_000, 'second process exit');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(intruder.output()).toContain(dataDir);
    expect(intruder.output()).toContain(`pid ${first.child.pid}`);
    // The first keeps serving, and still owns the lock.
    expect(isRunning(first.child)).toBe(true);
    expect((await subscribedSkus(first)).length).toBeGreaterThan(0);
    expect((JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number }).pid).toBe(first.child.pid);
  });

  it('after kill -9 the stale lock is taken over and committed writes survive', async () => {
    const created = await fetch(`${first.url}/v1.0/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await authorizationOf(first) },
      body: JSON.stringify(newUser('killtest', 'Kill Test')),
    });
    expect(created.status).toBe(201);
    beforeKill = await subscribedSkus(first);

    first.child.kill('SIGKILL');
    const { signal } = await within(first.exited, 10_000, 'SIGKILL exit');
    expect(signal).toBe('SIGKILL');
    expect(fs.existsSync(lockFile)).toBe(true);

    second = await startServer();
    expect((JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number }).pid).toBe(second.child.pid);
    expect(await subscribedSkus(second)).toEqual(beforeKill);
    const user = await getJson(second, `/v1.0/users/${encodeURIComponent('kill.test@contoso.onmicrosoft.com')}?$select=displayName,mailNickname,accountEnabled`);
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ displayName: 'Kill Test', mailNickname: 'killtest', accountEnabled: true });
  });

  it('SIGTERM finishes the in-flight request, exits 0 and releases the lock; the next start works', async () => {
    const inFlight = slowPost(second, '/v1.0/users', newUser('draintest', 'Drain Test'), await authorizationOf(second));
    await sleep(500); // the server has the headers: the request is routed and waits for its body
    second.child.kill('SIGTERM');
    await sleep(500);
    expect(isRunning(second.child)).toBe(true); // still draining
    // It no longer accepts new connections meanwhile.
    const during = await fetch(`${second.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(during).not.toBe(200);
    inFlight.finish();
    const response = await within(inFlight.response, 10_000, 'in-flight response');
    expect(response).toMatch(/^HTTP\/1\.1 201 /);

    const { code, signal } = await within(second.exited, 10_000, 'SIGTERM exit');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lockFile)).toBe(false);

    const third = await startServer();
    expect(await subscribedSkus(third)).toEqual(beforeKill);
    expect((await getJson(third, `/v1.0/users/${encodeURIComponent('drain.test@contoso.onmicrosoft.com')}`)).status).toBe(200);
    third.child.kill('SIGTERM');
    expect(await within(third.exited, 10_000, 'idle SIGTERM exit')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lockFile)).toBe(false);
  });
});

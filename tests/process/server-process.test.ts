import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAppAuthorization, isRunning, killAll, lockHolderPid, readDemoCredentials, spawnAllotServer, startAllotServer, within, type ServerProcess } from '../support/server-process.js';

/**
 * Real `allot serve` processes on one embedded data directory, in sequence: a second process is
 * refused by the lock, kill -9 leaves a stale lock that the next start takes over (committed writes
 * survive), SIGTERM drains an in-flight request, exits 0 and releases the lock.
 */

const READY_TIMEOUT_MS = 100_000;

const spawned: ChildProcess[] = [];
let dataDir: string;
let lockFile: string;

const serverEnv = () => ({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
const startServer = (): Promise<ServerProcess> => startAllotServer(serverEnv(), spawned, READY_TIMEOUT_MS);

/** A bearer token of the demo app, whose secret the seeded server wrote to demo-credentials.json. */
const authorizationOf = (server: ServerProcess): Promise<string> => demoAppAuthorization(server.url, readDemoCredentials(dataDir));

async function getJson<T = Record<string, unknown>>(server: ServerProcess, url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${url}`, { headers: { authorization: await authorizationOf(server) }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as T };
}

async function subscribedSkus(server: ServerProcess): Promise<{ skuId: string; consumedUnits: number; enabled: number }[]> {
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
function slowPost(server: ServerProcess, url: string, body: unknown, authorization: string): { finish: () => void; response: Promise<string> } {
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
  await killAll(spawned);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('server processes on one data directory', () => {
  let first: ServerProcess;
  let beforeKill: Awaited<ReturnType<typeof subscribedSkus>>;
  let second: ServerProcess;

  it('starts on a fresh directory (creates, migrates, seeds) and writes the lock', async () => {
    first = await startServer();
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);
    expect(lockHolderPid(dataDir)).toBe(first.child.pid);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect((await subscribedSkus(first)).length).toBeGreaterThan(0);
  });

  it('refuses a second process on the same directory: non-zero exit naming the directory and the holder pid', async () => {
    const intruder = await spawnAllotServer(serverEnv(), spawned);
    const { code } = await within(intruder.exited, 30_000, 'second process exit');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(intruder.output()).toContain(dataDir);
    expect(intruder.output()).toContain(`pid ${first.child.pid}`);
    // The first keeps serving, and still owns the lock.
    expect(isRunning(first.child)).toBe(true);
    expect((await subscribedSkus(first)).length).toBeGreaterThan(0);
    expect(lockHolderPid(dataDir)).toBe(first.child.pid);
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
    expect(lockHolderPid(dataDir)).toBe(second.child.pid);
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

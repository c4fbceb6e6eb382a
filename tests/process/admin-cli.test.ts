import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCredentialsFile, killAll, readDemoCredentials, repoRoot, startAllotServer } from '../support/server-process.js';

/**
 * Bootstrap without default passwords, as whole processes on one embedded data directory: a fresh
 * server seeds the demo and writes its generated secrets to an owner-only file (the log names the
 * file, never a secret); with the server stopped, `allot tenants create` makes a tenant with its
 * first Global Administrator and `allot admins reset-password` is the break-glass.
 */

const run = promisify(execFile);
let dataDir: string;
const spawned: ChildProcess[] = [];

const startServer = () => startAllotServer({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'info' }, spawned);

const allot = async (...args: string[]): Promise<Record<string, unknown>> => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args, '--json'], { cwd: repoRoot, env: { ...process.env, ALLOT_DATA_DIR: dataDir } });
  return JSON.parse(stdout) as Record<string, unknown>;
};

const signIn = (url: string, userPrincipalName: string, password: string) =>
  fetch(`${url}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userPrincipalName, password }), signal: AbortSignal.timeout(10_000) });

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-admin-cli-'));
});
afterAll(async () => {
  await killAll(spawned);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('bootstrap and break-glass', () => {
  it('seeds the demo with generated credentials in an owner-only file, creates a tenant and resets a password from the CLI', async () => {
    const first = await startServer();
    const file = demoCredentialsFile(dataDir);
    const demo = readDemoCredentials(dataDir);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(demo).toMatchObject({ domain: 'contoso.onmicrosoft.com', admin: { userPrincipalName: 'admin@contoso.onmicrosoft.com' } });
    expect(demo.admin.password).toMatch(/^.{16,}$/);
    expect(demo.app.clientSecret.length).toBeGreaterThan(20);
    const signedIn = await signIn(first.url, demo.admin.userPrincipalName, demo.admin.password);
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
    await first.stop();
    expect(first.output()).toContain(file);
    expect(first.output()).not.toContain(demo.admin.password);
    expect(first.output()).not.toContain(demo.app.clientSecret);

    // With the server stopped, the CLI opens the database itself.
    const created = await allot('tenants', 'create', '--domain', 'fabrikam.example', '--name', 'Fabrikam', '--admin-upn', 'owner@fabrikam.example');
    expect(created).toMatchObject({ domain: 'fabrikam.example', admin: { userPrincipalName: 'owner@fabrikam.example' } });
    const owner = created.admin as { password: string };
    const reset = await allot('admins', 'reset-password', '--upn', demo.admin.userPrincipalName);
    expect(reset.password).not.toBe(demo.admin.password);

    const second = await startServer();
    try {
      expect((await signIn(second.url, demo.admin.userPrincipalName, demo.admin.password)).status).toBe(401);
      const afterReset = await signIn(second.url, demo.admin.userPrincipalName, String(reset.password));
      expect(afterReset.status).toBe(200);
      expect(((await afterReset.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(true);
      const ownerSignIn = await signIn(second.url, 'owner@fabrikam.example', owner.password);
      expect(((await ownerSignIn.json()) as { roles: string[] }).roles).toEqual(['Global Administrator']);
    } finally {
      await second.stop();
    }
  });
});

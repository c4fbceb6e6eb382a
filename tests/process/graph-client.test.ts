import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { systemPrincipal, type RequestContext } from '../../src/domain/context.js';
import { DEMO_TENANT_ID, seedDemoTenant } from '../../src/services/demo-tenant.js';
import { generateSelfSignedCertificate } from '../../src/tls.js';
import { killAll, repoRoot, startAllotServer, type ServerProcess } from '../support/server-process.js';

/**
 * Allot over HTTPS with a self-signed certificate (from `allot tls generate`'s code), driven by a
 * separate Node process that trusts it through NODE_EXTRA_CA_CERTS and uses the unmodified
 * @microsoft/microsoft-graph-client (default middleware, customHosts) and @azure/msal-node
 * (Allot as a known authority), as scripts written for Microsoft 365 do.
 */

const EXCHANGE_PLAN_1 = '4b9405b0-7788-4568-add1-99614e613b69';

let workDir: string;
let dataDir: string;
let certFile: string;
let keyFile: string;
let client: { clientId: string; clientSecret: string };
let userId: string;
const spawned: ChildProcess[] = [];
let server: ServerProcess;
let baseUrl: string;

/** An HTTPS request trusting only Allot's self-signed certificate. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(url, { method: options.method ?? 'GET', headers: options.headers, ca: fs.readFileSync(certFile), timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-https-'));
  dataDir = path.join(workDir, 'data');
  ({ certFile, keyFile } = await generateSelfSignedCertificate({ outDir: path.join(workDir, 'tls') }));

  // The data the clients use, written before the server holds the data directory.
  const runtime = await openRuntime(loadConfig({ ALLOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  try {
    await seedDemoTenant(runtime.services);
    const context: RequestContext = { tenantId: DEMO_TENANT_ID, principal: systemPrincipal, requestId: 'test-setup', clientAddress: null };
    const app = await runtime.services.apps.create(context, { displayName: 'Graph SDK script', permissions: ['LicenseAssignment.ReadWrite.All', 'User.Read.All', 'Organization.Read.All'] });
    client = { clientId: app.appId, clientSecret: (await runtime.services.apps.addSecret(context, app.appId, {})).secretText };
    const user = await runtime.services.users.createUser(context, {
      userPrincipalName: 'graph.sdk@contoso.onmicrosoft.com',
      displayName: 'Graph SDK',
      mailNickname: 'graph.sdk',
      mail: null,
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Member',
      accountEnabled: true,
    });
    userId = user.user.userId;
  } finally {
    await runtime.close();
  }

  server = await startAllotServer({ ALLOT_DATA_DIR: dataDir, ALLOT_TLS_CERT: certFile, ALLOT_TLS_KEY: keyFile, LOG_LEVEL: 'info' }, spawned, 100_000);
  baseUrl = server.url;
});

afterAll(async () => {
  await killAll(spawned, 'SIGTERM');
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('Graph tooling against Allot over HTTPS', () => {
  it('serves HTTPS only, with https:// URLs, and a key file only its owner reads', async () => {
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(server.output()).toContain(`Server listening at ${baseUrl}`);
    const discovery = await request(`${baseUrl}/${DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(JSON.parse(discovery.body)).toMatchObject({ issuer: `${baseUrl}/${DEMO_TENANT_ID}/v2.0`, token_endpoint: `${baseUrl}/${DEMO_TENANT_ID}/oauth2/v2.0/token` });
    // Plain HTTP on the same port gets no answer from the API.
    const plain = await fetch(`http://127.0.0.1:${new URL(baseUrl).port}/healthz`).then((response) => response.status, () => 'refused');
    expect(plain).not.toBe(200);
  });

  it('the unmodified Graph client lists subscribedSkus and assigns a license; MSAL obtains a token with Allot as authority', async () => {
    const before = JSON.parse((await request(`${baseUrl}/${DEMO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: 'https://graph.microsoft.com/.default' }).toString(),
    })).body) as { access_token: string };

    const result = await run(process.execPath, ['--import', 'tsx', 'tests/process/fixtures/graph-clients.ts'], {
      ...process.env,
      NODE_EXTRA_CA_CERTS: certFile,
      ALLOT_URL: baseUrl,
      TENANT_ID: DEMO_TENANT_ID,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.clientSecret,
      USER_ID: userId,
      SKU_ID: EXCHANGE_PLAN_1,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const output = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      graphClient: { tokenRequests: number[]; skus: { skuId: string; skuPartNumber: string }[]; assigned: { id: string; skuIds: string[] }; refusal: { statusCode?: number; code?: string } };
      msal: { ok: boolean; error?: string; tokenType?: string; subscribedSkusStatus?: number };
    };

    // (a) Graph client: the token reached Allot (the https custom host), and Graph's answers came back.
    expect(output.graphClient.tokenRequests.length).toBeGreaterThan(0);
    expect(output.graphClient.tokenRequests.every((status) => status === 200)).toBe(true);
    expect(output.graphClient.skus.map((sku) => sku.skuPartNumber)).toContain('EXCHANGESTANDARD');
    expect(output.graphClient.assigned).toEqual({ id: userId, skuIds: [EXCHANGE_PLAN_1] });
    expect(output.graphClient.refusal).toEqual({ statusCode: 404, code: 'Request_ResourceNotFound' });
    const details = await request(`${baseUrl}/v1.0/users/${userId}/licenseDetails`, { headers: { authorization: `Bearer ${before.access_token}` } });
    expect((JSON.parse(details.body) as { value: { skuId: string }[] }).value.map((detail) => detail.skuId)).toEqual([EXCHANGE_PLAN_1]);

    // (b) MSAL: discovery, issuer validation and the client credentials grant against Allot.
    expect(output.msal, output.msal.error).toMatchObject({ ok: true, tokenType: 'Bearer', subscribedSkusStatus: 200 });

    // Nothing secret reaches the server's log.
    expect(server.output()).not.toContain(client.clientSecret);
    expect(server.output()).not.toContain(before.access_token.split('.')[2] ?? 'unreachable');
  });
});

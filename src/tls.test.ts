import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate, readTlsFiles } from './tls.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-tls-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('allot tls generate', () => {
  it('writes a self-signed server certificate for localhost, 127.0.0.1, ::1 and the given hosts, with an owner-only key', async () => {
    const now = new Date('2026-11-01T09:00:00Z');
    const generated = await generateSelfSignedCertificate({ outDir: dir, hosts: ['allot.example.test', '10.1.2.3'], now });
    const certificate = new X509Certificate(fs.readFileSync(generated.certFile));
    expect(certificate.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:allot.example.test, IP Address:10.1.2.3');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.ca).toBe(false);
    expect(new Date(certificate.validTo).getTime()).toBe(now.getTime() + 365 * 24 * 3600_000);
    expect(fs.statSync(generated.keyFile).mode & 0o777).toBe(0o600);
    expect(certificate.checkPrivateKey(createPrivateKey(fs.readFileSync(generated.keyFile)))).toBe(true);
  });

  it('replaces existing files only with force', async () => {
    await expect(generateSelfSignedCertificate({ outDir: dir })).rejects.toThrow(/already exist; pass --force/);
    const before = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    await generateSelfSignedCertificate({ outDir: dir, force: true });
    expect(fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8')).not.toBe(before);
  });

  it('names the variable whose file cannot be read', () => {
    expect(() => readTlsFiles({ certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'missing.pem') })).toThrow(/^ALLOT_TLS_KEY: cannot read .*missing\.pem/);
  });
});

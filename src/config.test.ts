import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database on loopback port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, trustProxy: false, forceDemo: false });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('listens beyond loopback only when HOST says so', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.10', 'allot.example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('keeps 24 months of audit log unless told otherwise (0 keeps all)', () => {
    expect(loadConfig({}).auditRetentionMonths).toBe(24);
    expect(loadConfig({ ALLOT_AUDIT_RETENTION_MONTHS: '0' }).auditRetentionMonths).toBe(0);
    expect(() => loadConfig({ ALLOT_AUDIT_RETENTION_MONTHS: '-1' })).toThrow(/ALLOT_AUDIT_RETENTION_MONTHS/);
  });

  it('leaves the job chunk size to the job runner unless ALLOT_JOB_CHUNK_SIZE sets it', () => {
    expect(loadConfig({}).jobChunkSize).toBeUndefined();
    expect(loadConfig({ ALLOT_JOB_CHUNK_SIZE: '50' }).jobChunkSize).toBe(50);
    expect(() => loadConfig({ ALLOT_JOB_CHUNK_SIZE: '0' })).toThrow(/ALLOT_JOB_CHUNK_SIZE/);
  });

  it('reads flags and URLs, trimming a trailing slash of the public URL', () => {
    const config = loadConfig({ PORT: '8080', ALLOT_PUBLIC_URL: 'https://allot.example.com/', ALLOT_TRUST_PROXY: '1', ALLOT_DEMO: 'true', DATABASE_URL: 'postgres://u@h/db' });
    expect(config).toMatchObject({ port: 8080, publicUrl: 'https://allot.example.com', trustProxy: true, forceDemo: true, databaseUrl: 'postgres://u@h/db' });
  });

  it('serves HTTPS with ALLOT_TLS_CERT and ALLOT_TLS_KEY together (absolute paths), never with one alone', () => {
    expect(loadConfig({}).tls).toBeUndefined();
    expect(loadConfig({ ALLOT_TLS_CERT: 'tls/cert.pem', ALLOT_TLS_KEY: '/etc/allot/key.pem' }).tls).toEqual({ certFile: expect.stringMatching(/^\/.*\/tls\/cert\.pem$/), keyFile: '/etc/allot/key.pem' });
    expect(() => loadConfig({ ALLOT_TLS_CERT: 'cert.pem' })).toThrow(/ALLOT_TLS_CERT and ALLOT_TLS_KEY go together/);
    expect(() => loadConfig({ ALLOT_TLS_KEY: 'key.pem' })).toThrow(/ALLOT_TLS_CERT and ALLOT_TLS_KEY go together/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

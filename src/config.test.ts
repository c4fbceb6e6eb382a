import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database on loopback port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, trustProxy: false, forceDemo: false });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('refuses to listen beyond loopback while there is no sign-in', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/HOST must be a loopback address/);
  });

  it('reads flags and URLs, trimming a trailing slash of the public URL', () => {
    const config = loadConfig({ PORT: '8080', ALLOT_PUBLIC_URL: 'https://allot.example.com/', ALLOT_TRUST_PROXY: '1', ALLOT_DEMO: 'true', DATABASE_URL: 'postgres://u@h/db' });
    expect(config).toMatchObject({ port: 8080, publicUrl: 'https://allot.example.com', trustProxy: true, forceDemo: true, databaseUrl: 'postgres://u@h/db' });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

/** Names every local certificate covers: what a browser, curl or a script on this machine uses. */
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];

export interface GeneratedCertificate {
  certFile: string;
  keyFile: string;
  /** The subject alternative names, in order. */
  names: string[];
  notAfter: Date;
  fingerprint: string;
}

/**
 * Writes a self-signed certificate and its private key (PEM) for local HTTPS: `cert.pem` and
 * `key.pem` (owner-only) in `outDir`. The certificate names localhost, 127.0.0.1, ::1 and `hosts`;
 * clients trust it by adding the certificate itself (NODE_EXTRA_CA_CERTS, curl --cacert).
 * Existing files are replaced only with `force`.
 */
export async function generateSelfSignedCertificate(options: { outDir: string; hosts?: readonly string[]; days?: number; force?: boolean; now?: Date }): Promise<GeneratedCertificate> {
  const outDir = path.resolve(options.outDir);
  const certFile = path.join(outDir, 'cert.pem');
  const keyFile = path.join(outDir, 'key.pem');
  const existing = [certFile, keyFile].filter((file) => existsSync(file));
  if (existing.length > 0 && options.force !== true) {
    throw new Error(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace, or --out another directory.`);
  }
  const names = [...new Set([...LOCAL_NAMES, ...(options.hosts ?? []).map((host) => host.trim().toLowerCase()).filter(Boolean)])];
  const notBefore = options.now ?? new Date();
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 365) * 24 * 3600_000);
  const commonName = options.hosts?.[0]?.trim() || 'localhost';
  // Loaded on use: its certificate libraries (some 200 modules) would slow every server start.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) === 0 ? { type: 2 as const, value: name } : { type: 7 as const, ip: name })) },
    ],
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  // A mode given to writeFileSync applies only to a file it creates; --force may replace one.
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile, names, notAfter, fingerprint: pems.fingerprint };
}

/** Reads ALLOT_TLS_CERT and ALLOT_TLS_KEY, naming the variable whose file cannot be read. */
export function readTlsFiles(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, variable: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`${variable}: cannot read ${file} (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
    }
  };
  return { cert: read(files.certFile, 'ALLOT_TLS_CERT'), key: read(files.keyFile, 'ALLOT_TLS_KEY') };
}

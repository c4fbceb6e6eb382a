import path from 'node:path';
import { z } from 'zod';

/**
 * Process configuration, parsed once from the environment. Nothing else reads `process.env`;
 * there is deliberately no NODE_ENV switch: every behaviour has its own explicit setting.
 */
const booleanFlag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true');

const EnvironmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Loopback by default; any other address (HOST=0.0.0.0 for all) is an explicit choice.
  HOST: z.string().min(1).default('127.0.0.1'),
  ALLOT_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  ALLOT_PUBLIC_URL: z.string().url().optional(),
  ALLOT_TRUST_PROXY: booleanFlag,
  ALLOT_DEMO: booleanFlag,
  ALLOT_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  ALLOT_JOB_CHUNK_SIZE: z.coerce.number().int().min(1).max(100_000).optional(),
  ALLOT_AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1200).default(24),
  ALLOT_GROUP_INLINE_LIMIT: z.coerce.number().int().min(1).max(10_000_000).optional(),
  ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag,
  ALLOT_WEBHOOK_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ALLOT_TLS_CERT: z.string().min(1).optional(),
  ALLOT_TLS_KEY: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  host: string;
  /** Absolute path of the embedded database's directory (and its lock file). */
  dataDir: string;
  /** Server PostgreSQL instead of the embedded engine when set. */
  databaseUrl: string | undefined;
  /** Base of every absolute URL Allot writes (nextLink, Location, @odata.context). */
  publicUrl: string | undefined;
  /** Believe X-Forwarded-* headers (only behind a proxy you control). */
  trustProxy: boolean;
  /** Seed the demo tenant even when the database is not empty / not embedded. */
  forceDemo: boolean;
  logLevel: string;
  /** Pause between two ticks of the background job runner (purges, lifecycle). */
  jobIntervalSeconds: number;
  /** Users (or rows) one transaction of a job handles; undefined = the job runner's default (500). */
  jobChunkSize: number | undefined;
  /** Whole months of audit log kept; older months are dropped. 0 keeps everything. */
  auditRetentionMonths: number;
  /** Members a group may have to be licensed inside the request (default per engine). */
  groupInlineLimit: number | undefined;
  /** Webhooks may post to loopback, private and link-local addresses (receivers on the operator's own network). */
  webhookAllowPrivateNetworks: boolean;
  /** Pause between two rounds of the webhook delivery worker. */
  webhookIntervalSeconds: number;
  /** Serve HTTPS with this certificate and key (PEM files); plain HTTP when undefined. */
  tls: { certFile: string; keyFile: string } | undefined;
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvironmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  if ((env.ALLOT_TLS_CERT === undefined) !== (env.ALLOT_TLS_KEY === undefined)) {
    throw new Error('Invalid configuration: ALLOT_TLS_CERT and ALLOT_TLS_KEY go together (certificate and private key, PEM files); set both or neither. `allot tls generate` writes a self-signed pair.');
  }
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir: path.resolve(env.ALLOT_DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    publicUrl: env.ALLOT_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: env.ALLOT_TRUST_PROXY,
    forceDemo: env.ALLOT_DEMO,
    logLevel: env.LOG_LEVEL,
    jobIntervalSeconds: env.ALLOT_JOB_INTERVAL_SECONDS,
    jobChunkSize: env.ALLOT_JOB_CHUNK_SIZE,
    auditRetentionMonths: env.ALLOT_AUDIT_RETENTION_MONTHS,
    groupInlineLimit: env.ALLOT_GROUP_INLINE_LIMIT,
    webhookAllowPrivateNetworks: env.ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    webhookIntervalSeconds: env.ALLOT_WEBHOOK_INTERVAL_SECONDS,
    tls: env.ALLOT_TLS_CERT !== undefined && env.ALLOT_TLS_KEY !== undefined ? { certFile: path.resolve(env.ALLOT_TLS_CERT), keyFile: path.resolve(env.ALLOT_TLS_KEY) } : undefined,
  };
}

/** True for an address only this machine can reach (a name other than localhost counts as reachable). */
export const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

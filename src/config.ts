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
  // Until sign-in exists (identity issue) every caller is trusted as the local operator, so Allot
  // refuses to listen anywhere but on the loopback interface.
  HOST: z
    .enum(['127.0.0.1', '::1', 'localhost'], { error: 'HOST must be a loopback address (127.0.0.1, ::1 or localhost) until sign-in exists' })
    .default('127.0.0.1'),
  ALLOT_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  ALLOT_PUBLIC_URL: z.string().url().optional(),
  ALLOT_TRUST_PROXY: booleanFlag,
  ALLOT_DEMO: booleanFlag,
  ALLOT_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvironmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
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
  };
}

import type { Kysely } from 'kysely';
import { tryTransactionLock } from '../../db/advisory-lock.js';
import type { Clock } from '../../domain/clock.js';
import { systemPrincipal, type RequestContext } from '../../domain/context.js';
import { randomIds, type IdGenerator } from '../../domain/ids.js';
import { createTenantDirectory, type Repositories } from '../../db/repositories/index.js';
import type { Database } from '../../db/schema.js';
import { createSerialLoop } from '../serial-loop.js';
import { inTenantTransaction, tenantRepositories } from '../transaction.js';

/**
 * The deployment-wide job lock (an advisory lock key: "allot" in ASCII). Every chunk transaction of
 * every job takes it with pg_try_advisory_xact_lock, so two processes on one PostgreSQL never work
 * at the same time; the one that loses abandons its tick (the holder is doing the same work).
 *
 * Why a transaction-scoped lock per chunk and not a session lock held for the whole tick: a session
 * lock needs one connection held for the tick. On PGlite that connection is the only one (Kysely
 * serialises it with a mutex), so holding it would block every request until the tick ends (or
 * deadlock with the tick's own chunk transactions); on a small pool it can starve the work, and a
 * failed unlock would leave the lock on a pooled connection. The transaction lock ends with its
 * transaction (commit, rollback or a dropped connection), cannot leak, and is the same SQL on both
 * engines. Correctness does not rest on the tick holding it: each chunk re-reads what is due under
 * the lock, so work done by another process is simply no longer due.
 */
export const JOB_LOCK_KEY = 418_430_397_300;

/** Users (or rows) one chunk transaction handles, so PGlite's single connection is held briefly. */
export const DEFAULT_CHUNK_SIZE = 500;

export interface JobContext {
  tenantId: string;
  /** The time the tick acts as of: a job acts on what is due at `now` (so a rerun is a no-op). */
  now: Date;
  /** False for a dry run: report what is due (`affect`), change nothing, take no lock. */
  apply: boolean;
  /** Actor of the job's audit entries: the system principal. */
  context: RequestContext;
  /** Repositories for reads outside a transaction (dry runs). */
  repos: Repositories;
  /**
   * One chunk of work: a short transaction holding the job lock. Throws (abandoning the tick) when
   * another process holds the lock or the runner is stopping. All of a job's writes go through it.
   */
  transaction<T>(work: (repos: Repositories, trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Records what the job changed (or would change): a count and, optionally, names to print. */
  affect(count: number, items?: readonly string[]): void;
  chunkSize: number;
  clock: Clock;
  ids: IdGenerator;
}

/** A job runs once per tenant per tick; it must act only on what is due at `ctx.now`. */
export interface Job {
  name: string;
  run(ctx: JobContext): Promise<void>;
}

export interface DeploymentJobContext {
  now: Date;
  /** False for a dry run: report what is due (`affect`), change nothing, take no lock. */
  apply: boolean;
  /** For reads outside a transaction (dry runs). */
  db: Kysely<Database>;
  /** One short transaction holding the job lock (throws, abandoning the tick, as for tenant jobs). */
  transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  affect(count: number, items?: readonly string[]): void;
  logger: JobLogger;
}

/**
 * Work on the deployment as a whole, not on one tenant (the audit log's monthly partitions hold
 * every tenant's rows): it runs once per tick, before the tenant jobs.
 */
export interface DeploymentJob {
  name: string;
  run(ctx: DeploymentJobContext): Promise<void>;
}

export interface JobReport {
  job: string;
  /** Null for a deployment-wide job. */
  tenantId: string | null;
  affected: number;
  /** What was (or, in a dry run, would be) changed, e.g. the purged users' names. */
  items: string[];
  /** The job failed for this tenant (logged; the other jobs and tenants still ran). */
  error?: string;
  /** The tick stopped here: another process held the job lock, or the runner was stopping. */
  abandoned?: 'locked' | 'stopping';
}

export interface JobLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface JobRunnerOptions {
  db: Kysely<Database>;
  clock: Clock;
  jobs: readonly Job[];
  /** Deployment-wide jobs, run once per tick before the tenant jobs. */
  deploymentJobs?: readonly DeploymentJob[];
  /** Pause between the end of one tick and the start of the next. */
  intervalMs: number;
  logger?: JobLogger;
  ids?: IdGenerator;
  chunkSize?: number;
}

export interface JobRunner {
  /** Runs a tick now and then every `intervalMs` after the previous one ended. */
  start(): void;
  /** No new ticks; a running tick stops after its current chunk. Resolves when it has. */
  stop(): Promise<void>;
  /** One tick as of `now` (default: the clock); `apply: false` only reports what is due. */
  runOnce(now?: Date, options?: { apply?: boolean }): Promise<JobReport[]>;
}

class TickAbandoned extends Error {
  constructor(readonly reason: 'locked' | 'stopping') {
    super(reason === 'locked' ? 'another process holds the job lock' : 'the job runner is stopping');
  }
}

const silent: JobLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Gives pending I/O (requests, timers) a turn before the next chunk. PGlite runs every query on
 * this thread and its promises settle as microtasks, so a job looping over chunks would otherwise
 * never return to the event loop: the server would answer nothing, not even /healthz, until the
 * whole job ended.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, clock, jobs, intervalMs } = options;
  const logger = options.logger ?? silent;
  const ids = options.ids ?? randomIds;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const tenants = createTenantDirectory(db);

  /** Runs one job (for one tenant, or the deployment) and turns its outcome into a report. */
  const reported = async (
    name: string,
    tenantId: string | null,
    now: Date,
    apply: boolean,
    run: (affect: (count: number, items?: readonly string[]) => void) => Promise<void>,
  ): Promise<JobReport> => {
    const result: JobReport = { job: name, tenantId, affected: 0, items: [] };
    try {
      await run((count, items = []) => {
        result.affected += count;
        result.items.push(...items);
      });
      if (apply && result.affected > 0) {
        logger.info({ job: name, tenantId, affected: result.affected, now: now.toISOString() }, 'job done');
      }
    } catch (error) {
      if (error instanceof TickAbandoned) {
        result.abandoned = error.reason;
      } else {
        result.error = error instanceof Error ? error.message : String(error);
        logger.error({ err: error, job: name, tenantId, now: now.toISOString() }, 'job failed; the other jobs and tenants go on');
      }
    }
    return result;
  };

  /** A chunk may start only in an applying run that is not stopping. */
  const checkChunkAllowed = (name: string, apply: boolean): void => {
    if (!apply) {
      throw new Error(`job ${name} tried to write during a dry run`);
    }
    if (loop.isStopping()) {
      throw new TickAbandoned('stopping');
    }
  };

  /** Checks, lets the event loop run, and checks again (stop() may have come meanwhile). */
  const beforeChunk = async (name: string, apply: boolean): Promise<void> => {
    checkChunkAllowed(name, apply);
    await yieldToEventLoop();
    checkChunkAllowed(name, apply);
  };

  const takeJobLock = async (trx: Kysely<Database>): Promise<void> => {
    if (!(await tryTransactionLock(trx, JOB_LOCK_KEY))) {
      throw new TickAbandoned('locked');
    }
  };

  const runJob = (job: Job, tenantId: string, now: Date, apply: boolean): Promise<JobReport> => {
    const context: RequestContext = { tenantId, principal: systemPrincipal, requestId: `job:${job.name}:${now.toISOString()}`, clientAddress: null };
    return reported(job.name, tenantId, now, apply, (affect) =>
      job.run({
        tenantId,
        now,
        apply,
        context,
        repos: tenantRepositories(db, context),
        chunkSize,
        clock,
        ids,
        affect,
        transaction: async (work) => {
          await beforeChunk(job.name, apply);
          return inTenantTransaction(db, context, async (repos, trx) => {
            await takeJobLock(trx);
            return work(repos, trx);
          });
        },
      }),
    );
  };

  const runDeploymentJob = (job: DeploymentJob, now: Date, apply: boolean): Promise<JobReport> =>
    reported(job.name, null, now, apply, (affect) =>
      job.run({
        now,
        apply,
        db,
        logger,
        affect,
        transaction: async (work) => {
          await beforeChunk(job.name, apply);
          return db.transaction().execute(async (trx) => {
            await takeJobLock(trx);
            return work(trx);
          });
        },
      }),
    );

  const tick = async (now: Date, apply: boolean): Promise<JobReport[]> => {
    const reports: JobReport[] = [];
    for (const job of options.deploymentJobs ?? []) {
      const report = await runDeploymentJob(job, now, apply);
      reports.push(report);
      if (report.abandoned !== undefined) {
        logger.info({ job: job.name, reason: report.abandoned }, 'job tick abandoned');
        return reports;
      }
    }
    const tenantIds = (await tenants.list()).map((tenant) => tenant.tenantId);
    for (const job of jobs) {
      for (const tenantId of tenantIds) {
        const report = await runJob(job, tenantId, now, apply);
        reports.push(report);
        if (report.abandoned !== undefined) {
          logger.info({ job: job.name, tenantId, reason: report.abandoned }, 'job tick abandoned');
          return reports;
        }
      }
    }
    return reports;
  };

  // Ticks of one process run one after the other (timer ticks and runOnce calls alike).
  const loop = createSerialLoop({
    intervalMs,
    failureMessage: 'job tick failed',
    stoppedMessage: 'the job runner is stopped',
    logger,
    round: (now?: Date, runOptions: { apply?: boolean } = {}) => tick(now ?? clock.now(), runOptions.apply ?? true),
  });

  return {
    start: loop.start,
    stop: loop.stop,
    runOnce: loop.runOnce,
  };
}

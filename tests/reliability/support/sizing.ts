/**
 * Sizes of the reliability runs (tests/reliability/README.md lists every variable). The defaults are
 * the CI sizes, small enough for `npm test` on two cores; ALLOT_RELIABILITY=full switches to the
 * full sizes; each ALLOT_RELIABILITY_* variable overrides one size in either mode.
 */
export interface ReliabilitySizing {
  mode: 'ci' | 'full';
  /** How long the clients of the two-server run keep sending requests. */
  seconds: number;
  /** Concurrent clients of the two-server run. */
  clients: number;
  /** Users of the two-server run's tenant (seats are a quarter of that per product). */
  users: number;
  /** Members of the group licensed while its server is killed. */
  groupMembers: number;
  /** Bulk Replace requests of 1,000 users each in the kill test. */
  bulkBatches: number;
  /** Seed of the two-server run's operation mix (random when unset; printed, so a run can be repeated). */
  seed: number;
}

const SIZES = {
  ci: { seconds: 20, clients: 12, users: 40, groupMembers: 5_000, bulkBatches: 4 },
  full: { seconds: 120, clients: 32, users: 120, groupMembers: 100_000, bulkBatches: 20 },
} as const;

function wholeNumber(environment: NodeJS.ProcessEnv, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = environment[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${name} must be a whole number from ${range.min} to ${range.max.toLocaleString('en-US')}, not "${raw}" (tests/reliability/README.md).`);
  }
  return value;
}

/** Reads the sizes once per test file; a malformed variable fails the file with the variable's name. */
export function reliabilitySizing(environment: NodeJS.ProcessEnv = process.env): ReliabilitySizing {
  const modeValue = environment.ALLOT_RELIABILITY ?? '';
  if (modeValue !== '' && modeValue !== 'full') {
    throw new Error(`ALLOT_RELIABILITY must be "full" or unset, not "${modeValue}" (tests/reliability/README.md).`);
  }
  const mode = modeValue === 'full' ? 'full' : 'ci';
  const sizes = SIZES[mode];
  return {
    mode,
    seconds: wholeNumber(environment, 'ALLOT_RELIABILITY_SECONDS', sizes.seconds, { min: 1, max: 3_600 }),
    clients: wholeNumber(environment, 'ALLOT_RELIABILITY_CLIENTS', sizes.clients, { min: 1, max: 256 }),
    users: wholeNumber(environment, 'ALLOT_RELIABILITY_USERS', sizes.users, { min: 8, max: 10_000 }),
    groupMembers: wholeNumber(environment, 'ALLOT_RELIABILITY_GROUP_MEMBERS', sizes.groupMembers, { min: 200, max: 1_000_000 }),
    bulkBatches: wholeNumber(environment, 'ALLOT_RELIABILITY_BULK_BATCHES', sizes.bulkBatches, { min: 2, max: 200 }),
    seed: wholeNumber(environment, 'ALLOT_RELIABILITY_SEED', 1 + Math.floor(Math.random() * 2_000_000_000), { min: 1, max: 2 ** 31 }),
  };
}

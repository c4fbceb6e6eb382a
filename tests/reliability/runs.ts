/**
 * Sizing of the in-process reliability tests (tests/reliability/README.md, In-process): the CI
 * default, ten times that with ALLOT_RELIABILITY=full, and `name` (e.g. ALLOT_FUZZ_RUNS) overrides
 * either, as every ALLOT_RELIABILITY_* variable of the process tests does.
 */
export function reliabilityRuns(name: string, ciDefault: number): number {
  const mode = process.env.ALLOT_RELIABILITY ?? '';
  if (mode !== '' && mode !== 'full') {
    throw new Error(`ALLOT_RELIABILITY must be "full" or unset, not "${mode}" (tests/reliability/README.md).`);
  }
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return mode === 'full' ? ciDefault * 10 : ciDefault;
  }
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new Error(`${name} must be a whole number of 1 or more, not "${raw}" (tests/reliability/README.md).`);
  }
  return runs;
}

/** ALLOT_FUZZ_SEED and _PATH, ALLOT_MODEL_SEED and _PATH: replay the run a failure report names. */
export function replayOptions(prefix: 'ALLOT_FUZZ' | 'ALLOT_MODEL'): { seed?: number; path?: string } {
  const seed = process.env[`${prefix}_SEED`];
  const path = process.env[`${prefix}_PATH`];
  return { ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path } : {}) };
}

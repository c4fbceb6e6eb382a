/** The clock seam: services and jobs ask it for the time, tests pass a fixed or stepped one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved; for tests and `--now` runs of jobs. */
export function fixedClock(start: Date): Clock & { set(date: Date): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (date) => {
      current = new Date(date);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant (UTC) of the month `date` falls in, moved by `months` (negative: earlier). */
export const utcMonthStart = (date: Date, months = 0): Date => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));

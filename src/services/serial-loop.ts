/**
 * A background loop of rounds that never overlap: `runOnce` calls and timer rounds of one process
 * run one after the other; `start` runs a round now and then every `intervalMs` after the previous
 * one ended; `stop` lets the round in progress finish (rounds check `isStopping()` to end early).
 * The job runner and the webhook delivery worker are built on it.
 */
export interface SerialLoop<Args extends unknown[], Result> {
  start: () => void;
  stop: () => Promise<void>;
  runOnce: (...args: Args) => Promise<Result>;
  isStopping: () => boolean;
}

export function createSerialLoop<Args extends unknown[], Result>(options: {
  intervalMs: number;
  /** Why a round failed, for the log (e.g. "job tick failed"). */
  failureMessage: string;
  /** Error when runOnce is called after stop. */
  stoppedMessage: string;
  logger: { error(fields: object, message: string): void };
  round: (...args: Args) => Promise<Result>;
  /** Called by stop before it waits for the round in progress (e.g. abort requests in flight). */
  onStop?: () => void;
}): SerialLoop<Args, Result> {
  let stopping = false;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const runOnce = (...args: Args): Promise<Result> => {
    if (stopping) {
      return Promise.reject(new Error(options.stoppedMessage));
    }
    const run = queue.then(() => options.round(...args));
    queue = run.catch(() => undefined);
    return run;
  };

  const schedule = (delayMs: number): void => {
    // Timer rounds pass no arguments: each round defaults them (the clock's now).
    timer = setTimeout(() => {
      timer = undefined;
      runOnce(...([] as unknown[] as Args))
        .catch((error: unknown) => {
          if (!stopping) {
            options.logger.error({ err: error }, options.failureMessage);
          }
        })
        .finally(() => {
          if (!stopping) {
            schedule(options.intervalMs);
          }
        });
    }, delayMs);
    timer.unref();
  };

  return {
    start: () => {
      if (started || stopping) {
        return;
      }
      started = true;
      schedule(0);
    },
    stop: async () => {
      stopping = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      options.onStop?.();
      await queue;
    },
    runOnce,
    isStopping: () => stopping,
  };
}

import { useCallback, useEffect, useState } from 'react';

export type AsyncState<T> = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'done'; data: T };

const LOADING = { status: 'loading' } as const;

/**
 * Runs `load` when `key` changes and on `reload()`; an answer that arrives after a newer request
 * started is dropped. `reload` keeps the shown data while it loads again (no flicker on refresh);
 * a new `key` shows loading until its own answer arrives.
 */
export function useAsync<T>(load: () => Promise<T>, key: string): { state: AsyncState<T>; reload: () => void } {
  const [result, setResult] = useState<{ key: string; state: AsyncState<T> }>({ key, state: LOADING });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let isCurrent = true;
    load().then(
      (data) => isCurrent && setResult({ key, state: { status: 'done', data } }),
      (error: unknown) => isCurrent && setResult({ key, state: { status: 'error', error } }),
    );
    return () => {
      isCurrent = false;
    };
    // `load` is a new closure every render; `key` names what it loads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { state: result.key === key ? result.state : LOADING, reload };
}

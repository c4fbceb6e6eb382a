import { useEffect, useState } from 'react';

const TYPEAHEAD_DELAY_MS = 200;

/**
 * The options a typeahead offers for `query`: `search` runs once typing pauses, and an answer that
 * arrives after a newer query started is dropped. `options` is undefined until the first answer;
 * `error` is the last search's refusal, cleared by the next answer. Nothing runs while inactive.
 */
export function useTypeahead<T>(search: (query: string) => Promise<T[]>, query: string, isActive = true): { options: T[] | undefined; error: unknown } {
  const [options, setOptions] = useState<T[]>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!isActive) {
      return;
    }
    let isCurrent = true;
    const timer = setTimeout(() => {
      search(query).then(
        (found) => {
          if (isCurrent) {
            setOptions(found);
            setError(undefined);
          }
        },
        (caught: unknown) => isCurrent && setError(caught),
      );
    }, TYPEAHEAD_DELAY_MS);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
    // `search` is a new closure every render; `query` is what it searches for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, isActive]);

  return { options, error };
}

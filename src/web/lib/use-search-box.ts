import { useEffect, useRef, useState } from 'react';

const SEARCH_DELAY_MS = 300;

/**
 * A search box over a server-side search: `input` follows every key, `search` (trimmed) changes
 * once typing pauses, so the server is not asked on every key. `onSearch` runs with each new
 * search (to go back to the first page).
 */
export function useSearchBox(onSearch: () => void): { input: string; setInput: (value: string) => void; search: string } {
  const [input, setInputState] = useState('');
  const [search, setSearch] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => {
    const pending = timer;
    return () => clearTimeout(pending.current);
  }, []);

  const setInput = (value: string) => {
    setInputState(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const next = value.trim();
      if (next !== search) {
        setSearch(next);
        onSearch();
      }
    }, SEARCH_DELAY_MS);
  };
  return { input, setInput, search };
}

import { useState } from 'react';

/**
 * A choice a page keeps in its address (?app=<id>), so a reload or a link shows it again. The
 * address is replaced, not pushed: Back leaves the page rather than stepping through choices.
 */
export function useQueryParam(name: string, path: string): [string | undefined, (value: string | undefined) => void] {
  const [value, setValue] = useState(() => new URLSearchParams(window.location.search).get(name) ?? undefined);
  const change = (next: string | undefined) => {
    setValue(next);
    window.history.replaceState(null, '', next === undefined ? path : `${path}?${name}=${encodeURIComponent(next)}`);
  };
  return [value, change];
}

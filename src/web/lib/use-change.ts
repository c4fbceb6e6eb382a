import { useState } from 'react';

export interface Change {
  /** What the last change did, said to the admin. */
  notice: string | undefined;
  /** Why the last change was refused (the API's error). */
  error: unknown;
  isBusy: boolean;
  /** Runs a change: clears the last outcome; what `action` returns becomes the notice. */
  run: (action: () => Promise<string | undefined>) => Promise<void>;
  /** Says what a change made elsewhere (a drawer, a confirmation) did. */
  setNotice: (notice: string | undefined) => void;
  /** Forgets the last outcome (a new change is about to start elsewhere). */
  clear: () => void;
}

/** The state of the changes an admin starts from one place (a page, a tab, a panel). */
export function useChange(initialNotice?: string): Change {
  const [notice, setNotice] = useState(initialNotice);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const clear = () => {
    setNotice(undefined);
    setError(undefined);
  };
  const run = async (action: () => Promise<string | undefined>) => {
    setBusy(true);
    clear();
    try {
      setNotice(await action());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { notice, error, isBusy, run, setNotice, clear };
}

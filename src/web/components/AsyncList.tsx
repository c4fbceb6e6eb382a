import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { AsyncState } from '../lib/use-async.js';
import { ErrorBar } from './ErrorBar.js';
import { Loading } from './Loading.js';

const useStyles = makeStyles({
  empty: { display: 'block', padding: tokens.spacingVerticalL },
});

interface Props<T> {
  /** What useAsync answered for the list. */
  source: { state: AsyncState<readonly T[]>; reload: () => void };
  /** What an empty list says. */
  empty: string;
  children: (items: readonly T[]) => ReactNode;
}

/** A loaded list's three other states, as every list page shows them: loading, the error with a retry, and empty. */
export function AsyncList<T>({ source, empty, children }: Props<T>) {
  const styles = useStyles();
  const { state } = source;
  if (state.status === 'loading') {
    return <Loading />;
  }
  if (state.status === 'error') {
    return <ErrorBar error={state.error} onRetry={source.reload} />;
  }
  return state.data.length === 0 ? <Text className={styles.empty}>{empty}</Text> : children(state.data);
}

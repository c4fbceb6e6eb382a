import type { Change } from '../lib/use-change.js';
import { ErrorBar } from './ErrorBar.js';
import { Notice } from './Notice.js';

/** What the last change did, or why it was refused. */
export function ChangeOutcome({ change }: { change: Pick<Change, 'notice' | 'error'> }) {
  return (
    <>
      <Notice message={change.notice} />
      {change.error === undefined ? null : <ErrorBar error={change.error} />}
    </>
  );
}

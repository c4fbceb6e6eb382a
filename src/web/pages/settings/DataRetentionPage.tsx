import { ROUTES } from '../../app/routes.js';
import { ComingPage } from '../ComingPage.js';

/** Placeholder until the page is built in this change. */
export function DataRetentionPage() {
  return <ComingPage route={ROUTES.dataRetention} />;
}

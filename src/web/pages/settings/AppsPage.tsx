import { ROUTES } from '../../app/routes.js';
import { ComingPage } from '../ComingPage.js';

/** Placeholder until the page is built in this change. */
export function AppsPage() {
  return <ComingPage route={ROUTES.apps} />;
}

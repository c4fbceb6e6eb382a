import type { Catalogue } from '../domain/catalogue.js';
import type { IdGenerator } from '../domain/ids.js';
import type { EffectiveLicense } from '../domain/licenses.js';
import { licenseChangesOf } from '../domain/license-changes.js';
import type { DataTransition } from '../domain/data-lifecycle.js';
import type { Repositories } from '../db/repositories/index.js';
import { reconcileUserData } from './data-lifecycle.service.js';

/** Why licenses changed, as the licenses.changed event says it. */
export type LicenseChangeCause = 'direct' | 'bulk' | 'group' | 'userDeleted' | 'userRestored' | 'subscription';

export interface LicenseEffectsInput {
  /** Users whose effective licenses changed, before and after (plans' `changedUsers`). */
  changed: readonly { userId: string; before: readonly EffectiveLicense[]; after: readonly EffectiveLicense[] }[];
  cause: LicenseChangeCause;
  catalogue: Catalogue;
  at: Date;
  ids: IdGenerator;
}

/**
 * What follows every license change, in its transaction: the licenses.changed event (one per
 * batch, listing the users) and the users' data lifecycle (clocks started or stopped, with its
 * data.lifecycleChanged event). Every writer of licenses calls it once per batch; it returns the
 * data transitions.
 */
export async function recordLicenseEffects(repos: Repositories, input: LicenseEffectsInput): Promise<DataTransition[]> {
  const users = licenseChangesOf(input.changed);
  if (users.length > 0) {
    await repos.events.emit([{ type: 'licenses.changed', data: { cause: input.cause, users } }], input.at, input.ids);
  }
  return reconcileUserData(repos, input);
}

import type { Catalogue } from '../domain/catalogue.js';
import type { IdGenerator } from '../domain/ids.js';
import type { EffectiveLicense } from '../domain/licenses.js';
import { licenseChangesOf } from '../domain/license-changes.js';
import type { Repositories } from '../db/repositories/index.js';

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
 * batch, listing the users). Every writer of licenses calls it once per batch.
 */
export async function recordLicenseEffects(repos: Repositories, input: LicenseEffectsInput): Promise<void> {
  const users = licenseChangesOf(input.changed);
  if (users.length === 0) {
    return;
  }
  await repos.events.emit([{ type: 'licenses.changed', data: { cause: input.cause, users } }], input.at, input.ids);
}

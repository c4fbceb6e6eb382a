import { makeStyles, tokens } from '@fluentui/react-components';
import type { Session } from '../../../client/types.js';
import type { Translate } from '../../i18n/i18n.js';

export const useUsersStyles = makeStyles({
  commandBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  counts: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground2 },
  empty: { padding: tokens.spacingVerticalL, display: 'block' },
  hint: { color: tokens.colorNeutralForeground2 },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  tightStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
  filter: { minWidth: '180px' },
  fieldset: { border: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  legend: { fontWeight: tokens.fontWeightSemibold, paddingBlockEnd: tokens.spacingVerticalXS },
  truncate: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', display: 'block' },
});

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days left of the 30 days a deleted user can be restored in, counting a started day (30 right after the delete, 1 on the last day). */
export const RESTORE_DAYS = 30;
export function daysLeft(deletedDateTime: string, now: number): number {
  const end = new Date(deletedDateTime).getTime() + RESTORE_DAYS * DAY_MS;
  return Math.max(0, Math.ceil((end - now) / DAY_MS));
}

/**
 * Why the signed-in admin may not license a guest, or undefined when they may: Allot requires a
 * Global Administrator while the organization's setting guestLicensingRequiresGlobalAdmin is on.
 */
export function guestLicensingBlockedReason(session: Session, requiresGlobalAdmin: boolean, t: Translate): string | undefined {
  if (!session.allowedActions.includes('licenses.assign')) {
    return t('users.noLicenseRole');
  }
  if (requiresGlobalAdmin && !session.roles.includes('Global Administrator')) {
    return t('users.guestNeedsGlobalAdmin', { roles: session.roles.join(', ') });
  }
  return undefined;
}

/** The admin may assign licenses at all (else the reason). */
export const licensingBlockedReason = (session: Session, t: Translate): string | undefined =>
  session.allowedActions.includes('licenses.assign') ? undefined : t('users.noLicenseRole');

/** Data classes in the admin center's words. */
export const dataClassLabel = (dataClass: string, t: Translate): string =>
  dataClass === 'mailbox' ? t('users.dataMailbox') : dataClass === 'files' ? t('users.dataFiles') : dataClass;

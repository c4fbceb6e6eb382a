import type { Group } from '../../../client/billing-groups.js';
import type { Translate } from '../../i18n/i18n.js';

export const isDynamic = (group: Group): boolean => group.groupTypes.includes('DynamicMembership');

/** The group type as the admin center names it. */
export const groupType = (group: Group, t: Translate): string => (group.groupTypes.includes('Unified') ? t('groups.typeMicrosoft365') : group.securityEnabled ? t('groups.typeSecurity') : t('groups.typeDistribution'));

import type { Group, ReprocessResult } from '../../../client/billing-groups.js';
import type { Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';

export const isDynamic = (group: Group): boolean => group.groupTypes.includes('DynamicMembership');

/** The group type as the admin center names it. */
export const groupType = (group: Group, t: Translate): string => (group.groupTypes.includes('Unified') ? t('groups.typeMicrosoft365') : group.securityEnabled ? t('groups.typeSecurity') : t('groups.typeDistribution'));

const PROCESSING_STATES: Record<string, MessageKey> = {
  QueuedForProcessing: 'groups.stateQueued',
  ProcessingInProgress: 'groups.stateInProgress',
  ProcessingComplete: 'groups.stateComplete',
  ProcessingFailed: 'groups.stateFailed',
};

/** Graph's licenseProcessingState in the admin center's words (an unknown value shows as sent). */
export const processingStateLabel = (state: string, t: Translate): string => {
  const key = PROCESSING_STATES[state];
  return key === undefined ? state : t(key);
};

/** What reprocessing a group's licenses did, in words. */
export const reprocessOutcome = (result: ReprocessResult, t: Translate): string => t('groups.reprocessed', { processed: result.processed, succeeded: result.succeeded, failed: result.failed });

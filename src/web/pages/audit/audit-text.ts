import type { Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';

const RESULTS: Record<string, MessageKey> = { success: 'audit.resultSuccess', failure: 'audit.resultFailure', timeout: 'audit.resultTimeout' };

/** Graph's directoryAudit result (success, failure, timeout) in the admin center's words; an unknown value shows as sent. */
export const auditResultLabel = (result: string, t: Translate): string => {
  const key = RESULTS[result];
  return key === undefined ? result : t(key);
};

import type { DataClass, DataHold, DataState, HoldKind } from '../../../client/data-retention.js';
import type { Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { dataClassLabel } from '../users/users-common.js';

const STATE_LABELS: Record<DataState, MessageKey> = {
  Licensed: 'dataRetention.stateLicensed',
  Unlicensed: 'dataRetention.stateUnlicensed',
  Grace: 'dataRetention.stateGrace',
  Retained: 'dataRetention.stateRetained',
  Inactive: 'dataRetention.stateInactive',
  Purged: 'dataRetention.statePurged',
};

/** A data state in the admin center's words. */
export const dataStateLabel = (state: DataState, t: Translate): string => t(STATE_LABELS[state]);

export const holdKindLabel = (kind: HoldKind, t: Translate): string => (kind === 'litigationHold' ? t('dataRetention.kindLitigationHold') : t('dataRetention.kindRetentionPolicy'));

export const dataClassesLabel = (classes: readonly DataClass[], t: Translate): string => classes.map((dataClass) => dataClassLabel(dataClass, t)).join(', ');

/** The holds that keep a record, by name. */
export const holdNames = (holds: readonly DataHold[]): string => holds.map((hold) => hold.name).join(', ');

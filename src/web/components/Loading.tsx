import { Spinner } from '@fluentui/react-components';
import { useI18n } from '../i18n/i18n.js';

export function Loading() {
  const { t } = useI18n();
  return <Spinner size="small" label={t('state.loading')} labelPosition="after" style={{ justifyContent: 'flex-start', padding: '16px 0' }} />;
}

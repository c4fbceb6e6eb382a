import { Button, DrawerBody, DrawerFooter, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { WebhookWithSecret } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { isWebhookFormComplete, WebhookForm, type WebhookFormValue } from './WebhookForm.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
});

const EMPTY: WebhookFormValue = { url: '', description: '', eventTypes: new Set(), enabled: true };

interface Props {
  open: boolean;
  onClose: () => void;
  /** The answer carries the signing secret, shown once by the caller. */
  onCreated: (webhook: WebhookWithSecret) => void;
}

/** Add a webhook: where Allot posts, and which events. */
export function CreateWebhookDrawer({ open, onClose, onCreated }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [value, setValue] = useState<WebhookFormValue>(EMPTY);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const close = () => {
    setValue(EMPTY);
    setError(undefined);
    onClose();
  };

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const description = value.description.trim();
      const webhook = await client.createWebhook({ url: value.url.trim(), eventTypes: [...value.eventTypes], ...(description === '' ? {} : { description }) });
      setValue(EMPTY);
      onCreated(webhook);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel open={open} size="medium" title={t('webhooks.createTitle')} onClose={close}>
      <DrawerBody className={styles.body}>
        {error === undefined ? null : <ErrorBar error={error} />}
        {open ? <WebhookForm value={value} onChange={setValue} disabled={isBusy} showEnabled={false} /> : null}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || !isWebhookFormComplete(value)} onClick={() => void create()}>
          {isBusy ? t('webhooks.creating') : t('webhooks.create')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

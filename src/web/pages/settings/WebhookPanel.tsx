import {
  Badge,
  Button,
  DrawerBody,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Tab,
  TabList,
  Text,
  tokens,
} from '@fluentui/react-components';
import { DeleteRegular, KeyResetRegular, SaveRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { Webhook } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { PanelSection } from '../../components/PanelSection.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useChange } from '../../lib/use-change.js';
import { SecretOnce } from './SecretOnce.js';
import { WebhookDeliveries } from './WebhookDeliveries.js';
import { isWebhookFormComplete, WebhookForm, type WebhookFormValue } from './WebhookForm.js';

const useStyles = makeStyles({
  header: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap', color: tokens.colorNeutralForeground2 },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  hint: { color: tokens.colorNeutralForeground2 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

type TabValue = 'deliveries' | 'settings';

const formOf = (webhook: Webhook): WebhookFormValue => ({ url: webhook.url, description: webhook.description ?? '', eventTypes: new Set(webhook.eventTypes), enabled: webhook.enabled });

interface Props {
  webhook: Webhook;
  /** The signing secret of a webhook just created: shown once, here. */
  createdSecret: string | undefined;
  /** Said first when the panel opens (the webhook was just created). */
  initialNotice: string | undefined;
  canManage: boolean;
  onChanged: () => void;
  onClose: () => void;
  onDeleted: () => void;
}

/** A webhook: its deliveries, and its settings (edit, enable or disable, new signing secret, delete). */
export function WebhookPanel({ webhook, createdSecret, initialNotice, canManage, onChanged, onClose, onDeleted }: Props) {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client } = useSession();
  const [tab, setTab] = useState<TabValue>('deliveries');
  const [secret, setSecret] = useState(createdSecret);
  const [value, setValue] = useState<WebhookFormValue>(() => formOf(webhook));
  const change = useChange(initialNotice);
  const [confirm, setConfirm] = useState<'rotate' | 'delete'>();
  const denied = canManage ? undefined : t('webhooks.needsGlobalAdmin');

  const description = value.description.trim();
  const eventTypes = [...value.eventTypes].sort();
  const changes = {
    ...(value.url.trim() === webhook.url ? {} : { url: value.url.trim() }),
    ...(eventTypes.join() === [...webhook.eventTypes].sort().join() ? {} : { eventTypes }),
    ...(description === (webhook.description ?? '') ? {} : { description: description === '' ? null : description }),
    ...(value.enabled === webhook.enabled ? {} : { enabled: value.enabled }),
  };
  const hasChanges = Object.keys(changes).length > 0;

  const save = () =>
    change.run(async () => {
      const saved = await client.updateWebhook(webhook.id, changes);
      setValue(formOf(saved));
      onChanged();
      return t('webhooks.saved');
    });

  return (
    <SidePanel
      size="large"
      title={webhook.url}
      header={
        <div className={styles.header}>
          <Badge appearance="tint" color={webhook.enabled ? 'success' : 'subtle'}>
            {webhook.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
          </Badge>
          <span>{t('webhooks.createdOn', { date: formatDate(webhook.createdDateTime) })}</span>
          {webhook.description === null ? null : <span>{webhook.description}</span>}
        </div>
      }
      onClose={onClose}
    >
      <DrawerBody className={styles.body}>
        <ChangeOutcome change={change} />
        {secret === undefined ? null : (
          <SecretOnce
            value={secret}
            texts={{
              title: t('webhooks.secretTitle'),
              warning: t('webhooks.secretOnceWarning'),
              label: t('webhooks.signingSecret'),
              copy: t('webhooks.copy'),
              copied: t('webhooks.copied'),
              copyFailed: t('webhooks.copyFailed'),
            }}
          />
        )}
        <TabList selectedValue={tab} onTabSelect={(_event, data) => setTab(data.value as TabValue)} aria-label={webhook.url}>
          <Tab value="deliveries">{t('webhooks.deliveries')}</Tab>
          <Tab value="settings">{t('webhooks.settings')}</Tab>
        </TabList>
        {tab === 'deliveries' ? <WebhookDeliveries webhook={webhook} canManage={canManage} /> : null}
        {tab === 'settings' ? (
          <>
            {canManage ? null : (
              <MessageBar intent="info">
                <MessageBarBody>{t('webhooks.needsGlobalAdmin')}</MessageBarBody>
              </MessageBar>
            )}
            <WebhookForm value={value} onChange={setValue} disabled={!canManage || change.isBusy} showEnabled />
            <div className={styles.actions}>
              <Button appearance="primary" icon={<SaveRegular />} disabled={!canManage || change.isBusy || !hasChanges || !isWebhookFormComplete(value)} title={denied} onClick={() => void save()}>
                {change.isBusy ? t('webhooks.saving') : t('webhooks.save')}
              </Button>
              <Button disabled={change.isBusy || !hasChanges} onClick={() => setValue(formOf(webhook))}>
                {t('webhooks.discard')}
              </Button>
            </div>
            <PanelSection title={t('webhooks.signingSecret')}>
              <Text className={styles.hint}>{t('webhooks.signingHint')}</Text>
              <Text>
                {t('webhooks.secretStartsWith')} <span className={styles.mono}>{webhook.secretHint}</span>
              </Text>
              <div>
                <Button icon={<KeyResetRegular />} disabled={!canManage} title={denied} onClick={() => setConfirm('rotate')}>
                  {t('webhooks.rotate')}
                </Button>
              </div>
            </PanelSection>
            <PanelSection title={t('webhooks.deleteTitle')}>
              <Text className={styles.hint}>{t('webhooks.deleteHint')}</Text>
              <div>
                <Button icon={<DeleteRegular />} disabled={!canManage} title={denied} onClick={() => setConfirm('delete')}>
                  {t('webhooks.delete')}
                </Button>
              </div>
            </PanelSection>
          </>
        ) : null}
      </DrawerBody>
      {confirm === 'rotate' ? (
        <ConfirmDialog
          title={t('webhooks.rotateTitle')}
          body={t('webhooks.rotateBody')}
          confirmLabel={t('webhooks.rotate')}
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            const rotated = await client.rotateWebhookSecret(webhook.id);
            setConfirm(undefined);
            setSecret(rotated.signingSecret);
            onChanged();
          }}
        />
      ) : null}
      {confirm === 'delete' ? (
        <ConfirmDialog
          title={t('webhooks.deleteConfirmTitle')}
          body={t('webhooks.deleteBody', { url: webhook.url })}
          confirmLabel={t('webhooks.delete')}
          onClose={() => setConfirm(undefined)}
          onConfirm={async () => {
            await client.deleteWebhook(webhook.id);
            setConfirm(undefined);
            onDeleted();
          }}
        />
      ) : null}
    </SidePanel>
  );
}

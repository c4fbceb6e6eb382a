import {
  Badge,
  Link,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { AsyncList } from '../../components/AsyncList.js';
import { Notice } from '../../components/Notice.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useQueryParam } from '../../lib/use-query-param.js';
import { AccessNotice } from './AccessNotice.js';
import { CreateWebhookDrawer } from './CreateWebhookDrawer.js';
import { DeliveryStateBadge } from './WebhookDeliveries.js';
import { WebhookPanel } from './WebhookPanel.js';

const useStyles = makeStyles({
  urlColumn: { width: '30%' },
  url: { overflowWrap: 'anywhere' },
  events: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  lastDelivery: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: tokens.spacingVerticalXXS },
  hint: { color: tokens.colorNeutralForeground2 },
});

/**
 * Settings › Webhooks: the receivers Allot posts its events to, signed with a secret shown once;
 * each one's deliveries with their attempts, and Redeliver. Only a Global Administrator changes
 * webhooks; a Global Reader sees them.
 */
export function WebhooksPage() {
  const styles = useStyles();
  const { t } = useI18n();
  const { client, session } = useSession();
  const canRead = session.allowedActions.includes('webhooks.read');
  const canManage = session.allowedActions.includes('webhooks.manage');
  const webhooks = useAsync(() => (canRead ? client.listWebhooks() : Promise.resolve([])), 'webhooks');
  // Each row reads its latest delivery; a refresh reads them again.
  const [generation, setGeneration] = useState(0);
  const [openId, setOpenId] = useQueryParam('webhook', ROUTES.webhooks.path);
  const [created, setCreated] = useState<{ id: string; secret: string }>();
  const [isCreateOpen, setCreateOpen] = useState(false);
  const [notice, setNotice] = useState<string>();

  const open = (webhookId: string | undefined) => {
    setOpenId(webhookId);
    if (webhookId !== created?.id) {
      setCreated(undefined);
    }
  };
  const refresh = () => {
    webhooks.reload();
    setGeneration((value) => value + 1);
  };
  const list = webhooks.state.status === 'done' ? webhooks.state.data : undefined;
  const chosen = list?.find((webhook) => webhook.id === openId);

  return (
    <>
      <PageHeader title={t('webhooks.title')} subtitle={t('webhooks.subtitle')} />
      <AccessNotice canRead={canRead} canManage={canManage} readReason={t('webhooks.needsReadRole')} manageReason={t('webhooks.needsGlobalAdmin')} />
      {canRead ? (
        <Surface aria-label={t('webhooks.table')}>
          <Toolbar aria-label={t('webhooks.table')}>
            <ToolbarButton appearance="subtle" icon={<AddRegular />} disabled={!canManage} title={canManage ? undefined : t('webhooks.needsGlobalAdmin')} onClick={() => setCreateOpen(true)}>
              {t('webhooks.add')}
            </ToolbarButton>
            <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={refresh}>
              {t('common.refresh')}
            </ToolbarButton>
          </Toolbar>
          <Notice message={notice} />
          <AsyncList source={webhooks} empty={t('webhooks.empty')}>
            {(subscribers) => (
              <Table aria-label={t('webhooks.table')}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell className={styles.urlColumn}>{t('webhooks.url')}</TableHeaderCell>
                    <TableHeaderCell>{t('webhooks.events')}</TableHeaderCell>
                    <TableHeaderCell>{t('webhooks.status')}</TableHeaderCell>
                    <TableHeaderCell>{t('webhooks.lastDelivery')}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {subscribers.map((webhook) => (
                    <TableRow key={webhook.id} data-webhook={webhook.url}>
                      <TableCell className={styles.url}>
                        <Link as="button" className={styles.url} onClick={() => open(webhook.id)} aria-label={t('webhooks.openWebhook', { url: webhook.url })}>
                          {webhook.url}
                        </Link>
                        {webhook.description === null ? null : (
                          <>
                            <br />
                            <Text size={200} className={styles.hint}>
                              {webhook.description}
                            </Text>
                          </>
                        )}
                      </TableCell>
                      <TableCell className={styles.events}>{webhook.eventTypes.join(', ')}</TableCell>
                      <TableCell>
                        <Badge appearance="tint" color={webhook.enabled ? 'success' : 'subtle'}>
                          {webhook.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
                        </Badge>
                      </TableCell>
                      <TableCell data-column="last-delivery">
                        <LastDelivery webhookId={webhook.id} generation={generation} />
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </AsyncList>
        </Surface>
      ) : null}
      {chosen === undefined ? null : (
        <WebhookPanel
          key={chosen.id}
          webhook={chosen}
          createdSecret={created?.id === chosen.id ? created.secret : undefined}
          initialNotice={created?.id === chosen.id ? t('webhooks.created', { url: chosen.url }) : undefined}
          canManage={canManage}
          onChanged={refresh}
          onClose={() => {
            open(undefined);
            // Deliveries may have moved on while the panel was open.
            refresh();
          }}
          onDeleted={() => {
            open(undefined);
            setNotice(t('webhooks.deleted', { url: chosen.url }));
            refresh();
          }}
        />
      )}
      <CreateWebhookDrawer
        open={isCreateOpen}
        onClose={() => setCreateOpen(false)}
        onCreated={(webhook) => {
          setCreateOpen(false);
          setNotice(undefined);
          setCreated({ id: webhook.id, secret: webhook.signingSecret });
          setOpenId(webhook.id);
          refresh();
        }}
      />
    </>
  );
}

/** A row's latest delivery: its state and when, read on its own so the list shows at once. */
function LastDelivery({ webhookId, generation }: { webhookId: string; generation: number }) {
  const styles = useStyles();
  const { t, formatDateTime } = useI18n();
  const { client } = useSession();
  const { state } = useAsync(() => client.listWebhookDeliveries(webhookId, { top: 1 }), `last-delivery:${webhookId}:${String(generation)}`);
  if (state.status === 'loading') {
    return <Text className={styles.hint}>{t('state.loading')}</Text>;
  }
  if (state.status === 'error') {
    return (
      <Text className={styles.hint} title={state.error instanceof Error ? state.error.message : undefined}>
        {t('webhooks.lastDeliveryUnknown')}
      </Text>
    );
  }
  const latest = state.data.value[0];
  if (latest === undefined) {
    return <Text className={styles.hint}>{t('webhooks.noDeliveriesYet')}</Text>;
  }
  return (
    <span className={styles.lastDelivery}>
      <DeliveryStateBadge state={latest.state} />
      <Text size={200}>{formatDateTime(latest.createdDateTime)}</Text>
    </span>
  );
}

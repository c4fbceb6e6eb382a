import {
  Badge,
  Button,
  DrawerBody,
  Field,
  Input,
  makeStyles,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { DeleteRegular, KeyRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { AppRegistration, CreatedSecret, PasswordCredential } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { PanelSection } from '../../components/PanelSection.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { SecretOnce } from './SecretOnce.js';
import { describeChoice } from './settings-text.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  term: { color: tokens.colorNeutralForeground2 },
  value: { margin: 0, fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  plain: { margin: 0 },
  permissions: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, margin: 0, padding: 0, listStyleType: 'none' },
  permissionName: { fontFamily: tokens.fontFamilyMonospace, fontWeight: tokens.fontWeightSemibold },
  hint: { color: tokens.colorNeutralForeground2 },
  form: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  grow: { flexGrow: 1, minWidth: '180px' },
});

export type SecretStatus = 'active' | 'expired' | 'revoked';

export const secretStatus = (secret: PasswordCredential, now: number): SecretStatus =>
  secret.revokedDateTime !== null ? 'revoked' : new Date(secret.endDateTime).getTime() <= now ? 'expired' : 'active';

const STATUS_COLOR: Record<SecretStatus, 'success' | 'warning' | 'subtle'> = { active: 'success', expired: 'warning', revoked: 'subtle' };

/** Entra's choices for a new client secret; 180 days is its recommendation and the API's default. */
const LIFETIMES = [
  { days: 180, months: 6 },
  { days: 365, months: 12 },
  { days: 545, months: 18 },
  { days: 730, months: 24 },
] as const;
const DEFAULT_LIFETIME_DAYS = 180;
const DAY_MS = 24 * 3600_000;
/** The API allows at most two years from its own clock: an hour's margin keeps a slow clock here from crossing it. */
const CLOCK_MARGIN_MS = 3600_000;

interface Props {
  app: AppRegistration;
  /** Said first when the panel opens (the app was just registered). */
  initialNotice: string | undefined;
  canManage: boolean;
  onChanged: () => void;
  onClose: () => void;
  onDeleted: () => void;
}

/** An app registration: its ids, permissions and client secrets; add a secret (shown once), revoke one, delete the app. */
export function AppPanel({ app, initialNotice, canManage, onChanged, onClose, onDeleted }: Props) {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client, session } = useSession();
  const choices = useAsync(() => client.listAppPermissions(), 'app-permissions');
  const [description, setDescription] = useState('');
  const [lifetime, setLifetime] = useState<number>(DEFAULT_LIFETIME_DAYS);
  const [created, setCreated] = useState<CreatedSecret>();
  const change = useChange(initialNotice);
  const [revoking, setRevoking] = useState<PasswordCredential>();
  const [isDeleting, setDeleting] = useState(false);
  const [openedAt] = useState(() => Date.now());
  const denied = canManage ? undefined : t('apps.needsGlobalAdmin');
  const descriptionOf = (name: string): string => {
    const choice = choices.state.status === 'done' ? choices.state.data.find((candidate) => candidate.name === name) : undefined;
    return describeChoice('apps.permission.', name, choice?.description ?? '', t);
  };
  const secrets = [...app.passwordCredentials].sort((a, b) => b.startDateTime.localeCompare(a.startDateTime));

  const addSecret = () => {
    setCreated(undefined);
    return change.run(async () => {
      const endDateTime = lifetime === DEFAULT_LIFETIME_DAYS ? undefined : new Date(Date.now() + lifetime * DAY_MS - CLOCK_MARGIN_MS).toISOString();
      const secret = await client.addAppSecret(app.appId, { ...(description.trim() === '' ? {} : { displayName: description.trim() }), ...(endDateTime === undefined ? {} : { endDateTime }) });
      setCreated(secret);
      setDescription('');
      onChanged();
      return undefined;
    });
  };

  return (
    <SidePanel size="large" title={app.displayName} onClose={onClose}>
      <DrawerBody className={styles.body}>
        <ChangeOutcome change={change} />
        <dl className={styles.facts}>
          <dt className={styles.term}>{t('apps.clientId')}</dt>
          <dd className={styles.value} data-testid="client-id">
            {app.appId}
          </dd>
          <dt className={styles.term}>{t('apps.tenantId')}</dt>
          <dd className={styles.value}>{session.tenant.id}</dd>
          <dt className={styles.term}>{t('apps.created')}</dt>
          <dd className={styles.plain}>{formatDate(app.createdDateTime)}</dd>
        </dl>

        <PanelSection title={t('apps.secrets')}>
          <Text className={styles.hint}>{t('apps.secretsHint')}</Text>
          {created === undefined ? null : (
            <SecretOnce
              value={created.secretText}
              texts={{
                title: t('apps.secretCreatedTitle'),
                warning: t('apps.secretOnceWarning'),
                label: t('apps.secretValue'),
                copy: t('apps.copy'),
                copied: t('apps.copied'),
                copyFailed: t('apps.copyFailed'),
              }}
            />
          )}
          <div className={styles.form}>
            <Field label={t('apps.secretDescription')} className={styles.grow}>
              <Input value={description} maxLength={256} disabled={!canManage} onChange={(_event, data) => setDescription(data.value)} />
            </Field>
            <Field label={t('apps.secretExpires')}>
              <Select value={String(lifetime)} disabled={!canManage} onChange={(_event, data) => setLifetime(Number(data.value))}>
                {LIFETIMES.map(({ days, months }) => (
                  <option key={days} value={days}>
                    {t(days === DEFAULT_LIFETIME_DAYS ? 'apps.lifetimeRecommended' : 'apps.lifetime', { days, months })}
                  </option>
                ))}
              </Select>
            </Field>
            <Button appearance="primary" icon={<KeyRegular />} disabled={!canManage || change.isBusy} title={denied} onClick={() => void addSecret()}>
              {change.isBusy ? t('apps.addingSecret') : t('apps.addSecret')}
            </Button>
          </div>
          {secrets.length === 0 ? <Text>{t('apps.noSecrets')}</Text> : null}
          {secrets.length > 0 ? (
            <Table size="small" aria-label={t('apps.secretsTable', { name: app.displayName })}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>{t('apps.secretDescription')}</TableHeaderCell>
                  <TableHeaderCell>{t('apps.secretHint')}</TableHeaderCell>
                  <TableHeaderCell>{t('apps.secretExpires')}</TableHeaderCell>
                  <TableHeaderCell>{t('apps.secretStatus')}</TableHeaderCell>
                  <TableHeaderCell>{t('apps.actions')}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {secrets.map((secret) => {
                  const status = secretStatus(secret, openedAt);
                  return (
                    <TableRow key={secret.keyId} data-key-id={secret.keyId}>
                      <TableCell>{secret.displayName ?? '—'}</TableCell>
                      <TableCell className={styles.value}>{`${secret.hint}…`}</TableCell>
                      <TableCell>{formatDate(secret.endDateTime)}</TableCell>
                      <TableCell>
                        <Badge appearance="tint" color={STATUS_COLOR[status]}>
                          {t(status === 'active' ? 'apps.statusActive' : status === 'expired' ? 'apps.statusExpired' : 'apps.statusRevoked')}
                        </Badge>
                      </TableCell>
                      <TableCell>
                        {status === 'revoked' ? null : (
                          <Button
                            appearance="subtle"
                            size="small"
                            icon={<DeleteRegular />}
                            disabled={!canManage}
                            title={denied}
                            aria-label={t('apps.revokeSecret', { hint: secret.hint })}
                            onClick={() => {
                              change.setNotice(undefined);
                              setRevoking(secret);
                            }}
                          >
                            {t('apps.revoke')}
                          </Button>
                        )}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          ) : null}
        </PanelSection>

        <PanelSection title={t('apps.permissions')}>
          {choices.state.status === 'error' ? <ErrorBar error={choices.state.error} onRetry={choices.reload} /> : null}
          {app.permissions.length === 0 ? <Text className={styles.hint}>{t('apps.noPermissionsHint')}</Text> : null}
          <ul className={styles.permissions} aria-label={t('apps.permissions')}>
            {app.permissions.map((name) => (
              <li key={name}>
                <Text className={styles.permissionName}>{name}</Text>
                <br />
                <Text className={styles.hint}>{descriptionOf(name)}</Text>
              </li>
            ))}
          </ul>
        </PanelSection>

        <PanelSection title={t('apps.deleteTitle')}>
          <Text className={styles.hint}>{t('apps.deleteHint')}</Text>
          <div>
            <Button icon={<DeleteRegular />} disabled={!canManage} title={denied} onClick={() => setDeleting(true)}>
              {t('apps.delete')}
            </Button>
          </div>
        </PanelSection>
      </DrawerBody>
      {revoking === undefined ? null : (
        <ConfirmDialog
          title={t('apps.revokeTitle')}
          body={t('apps.revokeBody', { hint: revoking.hint, app: app.displayName })}
          confirmLabel={t('apps.revoke')}
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await client.revokeAppSecret(app.appId, revoking.keyId);
            setRevoking(undefined);
            if (created?.keyId === revoking.keyId) {
              setCreated(undefined);
            }
            change.setNotice(t('apps.revoked', { hint: revoking.hint }));
            onChanged();
          }}
        />
      )}
      {isDeleting ? (
        <ConfirmDialog
          title={t('apps.deleteConfirmTitle', { name: app.displayName })}
          body={t('apps.deleteBody', { name: app.displayName })}
          confirmLabel={t('apps.delete')}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await client.deleteApp(app.appId);
            setDeleting(false);
            onDeleted();
          }}
        />
      ) : null}
    </SidePanel>
  );
}

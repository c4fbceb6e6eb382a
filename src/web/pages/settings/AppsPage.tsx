import {
  Link,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, ArrowClockwiseRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { AppRegistration } from '../../../client/settings.js';
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
import { AppPanel, secretStatus } from './AppPanel.js';
import { RegisterAppDrawer } from './RegisterAppDrawer.js';

const useStyles = makeStyles({
  nameColumn: { width: '20%' },
  idColumn: { width: '26%' },
  id: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  lines: { display: 'flex', flexDirection: 'column' },
});

/** Permissions named in the list; the rest are counted (the panel lists them all). */
const PERMISSIONS_SHOWN = 2;
const SECRETS_SHOWN = 2;

/**
 * Settings › Apps: the app registrations that call Allot's API with client credentials: their
 * permissions and client secrets. Register an app, add a secret (shown once), revoke a secret,
 * delete an app. Only a Global Administrator changes apps; a Global Reader sees them.
 */
export function AppsPage() {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client, session } = useSession();
  const canRead = session.allowedActions.includes('apps.read');
  const canManage = session.allowedActions.includes('apps.manage');
  const apps = useAsync(() => (canRead ? client.listApps() : Promise.resolve([])), 'apps');
  const [openId, open] = useQueryParam('app', ROUTES.apps.path);
  const [isRegisterOpen, setRegisterOpen] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [registeredId, setRegisteredId] = useState<string>();
  // Secret states are judged at the moment the page opened (rendering stays pure).
  const [openedAt] = useState(() => Date.now());

  const list = apps.state.status === 'done' ? apps.state.data : undefined;
  const chosen = list?.find((app) => app.appId === openId);

  const permissionsOf = (app: AppRegistration): string => {
    if (app.permissions.length === 0) {
      return t('apps.noPermissions');
    }
    const named = app.permissions.slice(0, PERMISSIONS_SHOWN).join(', ');
    const more = app.permissions.length - PERMISSIONS_SHOWN;
    return more > 0 ? t('apps.permissionsAndMore', { permissions: named, count: more }) : named;
  };

  return (
    <>
      <PageHeader title={t('apps.title')} subtitle={t('apps.subtitle')} />
      <AccessNotice canRead={canRead} canManage={canManage} readReason={t('apps.needsReadRole')} manageReason={t('apps.needsGlobalAdmin')} />
      {canRead ? (
        <Surface aria-label={t('apps.table')}>
          <Toolbar aria-label={t('apps.table')}>
            <ToolbarButton appearance="subtle" icon={<AddRegular />} disabled={!canManage} title={canManage ? undefined : t('apps.needsGlobalAdmin')} onClick={() => setRegisterOpen(true)}>
              {t('apps.register')}
            </ToolbarButton>
            <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={apps.reload}>
              {t('common.refresh')}
            </ToolbarButton>
          </Toolbar>
          <Notice message={notice} />
          <AsyncList source={apps} empty={t('apps.empty')}>
            {(registrations) => (
              <Table aria-label={t('apps.table')}>
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell className={styles.nameColumn}>{t('apps.name')}</TableHeaderCell>
                    <TableHeaderCell className={styles.idColumn}>{t('apps.clientId')}</TableHeaderCell>
                    <TableHeaderCell>{t('apps.permissions')}</TableHeaderCell>
                    <TableHeaderCell>{t('apps.secrets')}</TableHeaderCell>
                    <TableHeaderCell>{t('apps.created')}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {registrations.map((app) => {
                    const active = app.passwordCredentials.filter((secret) => secretStatus(secret, openedAt) === 'active');
                    return (
                      <TableRow key={app.appId} data-app={app.displayName}>
                        <TableCell>
                          <Link as="button" onClick={() => open(app.appId)} aria-label={t('apps.openApp', { name: app.displayName })}>
                            {app.displayName}
                          </Link>
                        </TableCell>
                        <TableCell className={styles.id}>{app.appId}</TableCell>
                        <TableCell title={app.permissions.join(', ')}>{permissionsOf(app)}</TableCell>
                        <TableCell data-column="secrets">
                          {active.length === 0 ? (
                            t('apps.noActiveSecret')
                          ) : (
                            <span className={styles.lines}>
                              {active.slice(0, SECRETS_SHOWN).map((secret) => (
                                <span key={secret.keyId}>{t('apps.secretSummary', { hint: secret.hint, date: formatDate(secret.endDateTime) })}</span>
                              ))}
                              {active.length > SECRETS_SHOWN ? <span>{t('apps.moreSecrets', { count: active.length - SECRETS_SHOWN })}</span> : null}
                            </span>
                          )}
                        </TableCell>
                        <TableCell>{formatDate(app.createdDateTime)}</TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            )}
          </AsyncList>
        </Surface>
      ) : null}
      {chosen === undefined ? null : (
        <AppPanel
          key={chosen.appId}
          app={chosen}
          initialNotice={chosen.appId === registeredId ? t('apps.registered', { name: chosen.displayName }) : undefined}
          canManage={canManage}
          onChanged={apps.reload}
          onClose={() => open(undefined)}
          onDeleted={() => {
            open(undefined);
            setNotice(t('apps.deleted', { name: chosen.displayName }));
            apps.reload();
          }}
        />
      )}
      <RegisterAppDrawer
        open={isRegisterOpen}
        onClose={() => setRegisterOpen(false)}
        onRegistered={(app) => {
          setRegisterOpen(false);
          setNotice(undefined);
          setRegisteredId(app.appId);
          apps.reload();
          open(app.appId);
        }}
      />
    </>
  );
}

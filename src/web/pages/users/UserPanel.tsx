import {
  Avatar,
  Badge,
  Button,
  DrawerBody,
  makeStyles,
  Tab,
  TabList,
  Text,
  tokens,
} from '@fluentui/react-components';
import { DeleteRegular, EditRegular, PersonProhibitedRegular, PersonAvailableRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { ProductOverview } from '../../../client/types.js';
import type { UserDetails } from '../../../client/user-types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Notice } from '../../components/Notice.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useCountryName } from '../../components/UsageLocationField.js';
import { useI18n } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { AccountForm } from './AccountForm.js';
import { DeleteUserDialog } from './DeleteUserDialog.js';
import { UserLicensesTab } from './UserLicensesTab.js';

const useStyles = makeStyles({
  identity: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM },
  names: { display: 'flex', flexDirection: 'column' },
  upn: { color: tokens.colorNeutralForeground2 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', marginBlock: tokens.spacingVerticalM },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  properties: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalXL, rowGap: tokens.spacingVerticalS, margin: 0 },
  term: { color: tokens.colorNeutralForeground2 },
  definition: { margin: 0 },
  editButton: { alignSelf: 'flex-start' },
});

interface Props {
  userId: string | undefined;
  products: ProductOverview[];
  onClose: () => void;
  /** A property or license of the user changed: the list reloads. */
  onChanged: () => void;
  onDeleted: (displayName: string) => void;
}

type TabName = 'account' | 'licenses';

/** The user panel of Active users: Account (properties, block sign-in, delete) and Licenses and apps. */
export function UserPanel({ userId, products, onClose, onChanged, onDeleted }: Props) {
  const styles = useStyles();
  const { t, formatDate } = useI18n();
  const { client, session } = useSession();
  const [tab, setTab] = useState<TabName>('account');
  const [isDeleteOpen, setDeleteOpen] = useState(false);
  const [isEditing, setEditing] = useState(false);
  const countryName = useCountryName();
  const [isBusy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const user = useAsync(async (): Promise<UserDetails | undefined> => (userId === undefined ? undefined : client.getUser(userId)), `user:${userId ?? ''}`);
  const details = user.state.status === 'done' ? user.state.data : undefined;
  const canUpdate = session.allowedActions.includes('users.update');
  const canDelete = session.allowedActions.includes('users.delete');

  const close = () => {
    setTab('account');
    setEditing(false);
    setActionError(undefined);
    setNotice(undefined);
    onClose();
  };

  const toggleSignIn = async (current: UserDetails) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await client.setSignInBlocked(current.id, current.accountEnabled);
      setNotice(current.accountEnabled ? t('users.blockedNotice', { name: current.displayName }) : t('users.unblockedNotice', { name: current.displayName }));
      user.reload();
      onChanged();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(false);
    }
  };

  const property = (label: MessageKey, value: string | null | undefined) => (
    <>
      <dt className={styles.term}>{t(label)}</dt>
      <dd className={styles.definition}>{value === null || value === undefined || value === '' ? '—' : value}</dd>
    </>
  );

  return (
    <SidePanel open={userId !== undefined} size="medium" title={details?.displayName ?? t('state.loading')} onClose={close}>
      <DrawerBody className={styles.body}>
        {user.state.status === 'loading' ? <Loading /> : null}
        {user.state.status === 'error' ? <ErrorBar error={user.state.error} onRetry={user.reload} /> : null}
        {details === undefined ? null : (
          <>
            <div className={styles.identity}>
              <Avatar name={details.displayName} size={56} aria-hidden />
              <div className={styles.names}>
                <Text className={styles.upn}>{details.userPrincipalName}</Text>
                <span>
                  {details.userType === 'Guest' ? <Badge appearance="outline">{t('users.guest')}</Badge> : null}{' '}
                  {details.accountEnabled ? null : (
                    <Badge appearance="tint" color="danger">
                      {t('users.signInBlocked')}
                    </Badge>
                  )}
                </span>
              </div>
            </div>
            <div className={styles.actions}>
              <Button
                icon={details.accountEnabled ? <PersonProhibitedRegular /> : <PersonAvailableRegular />}
                disabled={isBusy || !canUpdate}
                title={canUpdate ? undefined : t('users.noUpdateRole')}
                onClick={() => void toggleSignIn(details)}
              >
                {details.accountEnabled ? t('users.blockSignIn') : t('users.unblockSignIn')}
              </Button>
              <Button icon={<DeleteRegular />} disabled={!canDelete} title={canDelete ? undefined : t('users.noDeleteRole')} onClick={() => setDeleteOpen(true)}>
                {t('users.deleteUser')}
              </Button>
            </div>
            <Notice message={notice} />
            {actionError === undefined ? null : <ErrorBar error={actionError} />}
            <TabList selectedValue={tab} onTabSelect={(_event, data) => setTab(data.value as TabName)} aria-label={details.displayName}>
              <Tab value="account">{t('users.accountTab')}</Tab>
              <Tab value="licenses">{t('users.licensesTab')}</Tab>
            </TabList>
            {tab === 'account' && isEditing ? (
              <AccountForm
                user={details}
                onCancel={() => setEditing(false)}
                onSaved={() => {
                  setEditing(false);
                  setNotice(t('users.accountSaved', { name: details.displayName }));
                  user.reload();
                  onChanged();
                }}
              />
            ) : null}
            {tab === 'account' && !isEditing ? (
              <>
                <Button className={styles.editButton} icon={<EditRegular />} disabled={!canUpdate} title={canUpdate ? undefined : t('users.noUpdateRole')} onClick={() => setEditing(true)}>
                  {t('users.editAccount')}
                </Button>
                <dl className={styles.properties}>
                  {property('users.displayName', details.displayName)}
                  {property('users.userPrincipalName', details.userPrincipalName)}
                  {property('users.firstName', details.givenName)}
                  {property('users.lastName', details.surname)}
                  {property('users.jobTitle', details.jobTitle)}
                  {property('users.department', details.department)}
                  {property('users.email', details.mail)}
                  {property('users.usageLocation', details.usageLocation === null ? null : countryName(details.usageLocation))}
                  {property('users.userType', details.userType === 'Guest' ? t('users.guest') : t('users.member'))}
                  {property('users.signInStatus', details.accountEnabled ? t('users.signInAllowed') : t('users.signInBlocked'))}
                  {property('users.created', details.createdDateTime === null ? null : formatDate(details.createdDateTime))}
                </dl>
              </>
            ) : null}
            {tab === 'licenses' ? (
              <UserLicensesTab
                user={details}
                products={products}
                onSaved={() => {
                  setNotice(t('users.licensesSaved', { name: details.displayName }));
                  onChanged();
                }}
              />
            ) : null}
            <DeleteUserDialog
              open={isDeleteOpen}
              user={details}
              onClose={() => setDeleteOpen(false)}
              onDeleted={() => {
                setDeleteOpen(false);
                onDeleted(details.displayName);
              }}
            />
          </>
        )}
      </DrawerBody>
    </SidePanel>
  );
}

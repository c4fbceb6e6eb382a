import { ToolbarButton } from '@fluentui/react-components';
import { KeyMultipleRegular, PersonAddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useSession } from '../../app/session.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useI18n } from '../../i18n/i18n.js';
import { AddUserDrawer } from './AddUserDrawer.js';
import { ManageLicensesDrawer } from './ManageLicensesDrawer.js';
import { licensingBlockedReason } from './users-common.js';
import { UsersList } from './UsersList.js';

/** Users › Active users: every user, server-paged, with the user panel and Manage product licenses. */
export function ActiveUsersPage() {
  const { t } = useI18n();
  const { session } = useSession();
  const [isManageOpen, setManageOpen] = useState(false);
  const [isAddOpen, setAddOpen] = useState(false);
  const blockedReason = licensingBlockedReason(session, t);
  const canCreate = session.allowedActions.includes('users.create');

  return (
    <>
      <PageHeader title={t('nav.activeUsers')} subtitle={t('users.activeSubtitle')} />
      <UsersList
        label={t('users.activeTable')}
        filters={['all', 'licensed', 'unlicensed', 'blocked', 'members', 'guests']}
        actions={({ selected }) => (
          <>
            <ToolbarButton appearance="subtle" icon={<PersonAddRegular />} disabled={!canCreate} title={canCreate ? undefined : t('addUser.noCreateRole')} onClick={() => setAddOpen(true)}>
              {t('addUser.title')}
            </ToolbarButton>
            <ToolbarButton
              appearance="subtle"
              icon={<KeyMultipleRegular />}
              disabled={selected.length === 0 || blockedReason !== undefined}
              title={blockedReason ?? (selected.length === 0 ? t('users.selectFirst') : undefined)}
              onClick={() => setManageOpen(true)}
            >
              {t('users.manageLicenses')}
            </ToolbarButton>
          </>
        )}
        overlays={({ selected, products, clearAndReload }) => (
          <>
            <AddUserDrawer open={isAddOpen} products={products} onClose={() => setAddOpen(false)} onCreated={() => clearAndReload()} />
            <ManageLicensesDrawer
              open={isManageOpen}
              users={selected}
              products={products}
              title={t('users.manageLicenses')}
              onClose={() => setManageOpen(false)}
              onDone={(message) => {
                setManageOpen(false);
                clearAndReload(message);
              }}
            />
          </>
        )}
      />
    </>
  );
}

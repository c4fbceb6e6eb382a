import { MessageBar, MessageBarBody, ToolbarButton } from '@fluentui/react-components';
import { KeyMultipleRegular, PersonAddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useSession } from '../../app/session.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { InviteGuestDrawer } from './InviteGuestDrawer.js';
import { ManageLicensesDrawer } from './ManageLicensesDrawer.js';
import { guestLicensingBlockedReason } from './users-common.js';
import { UsersList } from './UsersList.js';

/**
 * Users › Guest users: guests (userType eq 'Guest'), invite, and license them. Licensing a guest
 * needs a Global Administrator while the organization's setting says so: other admins see the
 * action disabled with that reason.
 */
export function GuestUsersPage() {
  const { t } = useI18n();
  const { client, session } = useSession();
  const [isInviteOpen, setInviteOpen] = useState(false);
  const [isLicenseOpen, setLicenseOpen] = useState(false);
  // The setting is readable by every admin role; when it can't be read, the stricter default holds.
  const settings = useAsync(() => client.organizationSettings().catch(() => ({ guestLicensingRequiresGlobalAdmin: true })), 'settings');
  const requiresGlobalAdmin = settings.state.status === 'done' ? settings.state.data.guestLicensingRequiresGlobalAdmin : true;
  const blockedReason = guestLicensingBlockedReason(session, requiresGlobalAdmin, t);
  const canInvite = session.allowedActions.includes('guests.invite');

  return (
    <>
      <PageHeader title={t('nav.guestUsers')} subtitle={t('users.guestsSubtitle')} />
      {blockedReason === undefined ? null : (
        <MessageBar intent="info" style={{ marginBottom: 12 }} id="guest-license-reason">
          <MessageBarBody>{blockedReason}</MessageBarBody>
        </MessageBar>
      )}
      <UsersList
        label={t('users.guestTable')}
        baseFilter="userType eq 'Guest'"
        filters={['all', 'licensed', 'unlicensed', 'blocked']}
        actions={({ selected }) => (
          <>
            <ToolbarButton appearance="subtle" icon={<PersonAddRegular />} disabled={!canInvite} title={canInvite ? undefined : t('users.noInviteRole')} onClick={() => setInviteOpen(true)}>
              {t('users.inviteGuest')}
            </ToolbarButton>
            <ToolbarButton
              appearance="subtle"
              icon={<KeyMultipleRegular />}
              disabled={selected.length === 0 || blockedReason !== undefined}
              title={blockedReason ?? (selected.length === 0 ? t('users.selectFirst') : undefined)}
              aria-describedby={blockedReason === undefined ? undefined : 'guest-license-reason'}
              onClick={() => setLicenseOpen(true)}
            >
              {t('users.licenseGuests')}
            </ToolbarButton>
          </>
        )}
        overlays={({ selected, products, clearAndReload }) => (
          <>
            <ManageLicensesDrawer
              open={isLicenseOpen}
              users={selected}
              products={products}
              title={t('users.licenseGuests')}
              onClose={() => setLicenseOpen(false)}
              onDone={(message) => {
                setLicenseOpen(false);
                clearAndReload(message);
              }}
            />
            <InviteGuestDrawer
              open={isInviteOpen}
              onClose={() => setInviteOpen(false)}
              onInvited={(message) => {
                setInviteOpen(false);
                clearAndReload(message);
              }}
            />
          </>
        )}
      />
    </>
  );
}

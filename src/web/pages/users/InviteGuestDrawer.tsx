import { Button, DrawerBody, DrawerFooter, Field, Input, Text } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useUsersStyles } from './users-common.js';

interface Props {
  open: boolean;
  onClose: () => void;
  onInvited: (message: string) => void;
}

/** Invite a guest user (POST /v1.0/invitations). Allot sends no mail: the notice carries the redemption link to share. */
export function InviteGuestDrawer({ open, onClose, onInvited }: Props) {
  const styles = useUsersStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [redirectUrl, setRedirectUrl] = useState(() => window.location.origin);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const close = () => {
    setEmail('');
    setName('');
    setError(undefined);
    onClose();
  };
  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const invitation = await client.inviteGuest({ invitedUserEmailAddress: email.trim(), inviteRedirectUrl: redirectUrl.trim(), ...(name.trim() === '' ? {} : { invitedUserDisplayName: name.trim() }) });
      setEmail('');
      setName('');
      onInvited(t('users.invited', { email: invitation.invitedUserEmailAddress, url: invitation.inviteRedeemUrl }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel open={open} size="small" title={t('users.inviteGuest')} onClose={close}>
      <form id="invite-form" onSubmit={(event) => void invite(event)} style={{ display: 'contents' }}>
        <DrawerBody className={styles.stack}>
          <Text>{t('users.inviteIntro')}</Text>
          {error === undefined ? null : <ErrorBar error={error} />}
          <Field label={t('users.inviteEmail')} required>
            <Input type="email" value={email} onChange={(_event, data) => setEmail(data.value)} />
          </Field>
          <Field label={t('users.inviteName')}>
            <Input value={name} onChange={(_event, data) => setName(data.value)} />
          </Field>
          <Field label={t('users.inviteRedirect')} hint={t('users.inviteRedirectHint')} required>
            <Input type="url" value={redirectUrl} onChange={(_event, data) => setRedirectUrl(data.value)} />
          </Field>
        </DrawerBody>
        <DrawerFooter className={styles.footer}>
          <Button appearance="primary" type="submit" disabled={isBusy || email.trim() === ''}>
            {isBusy ? t('users.inviting') : t('users.inviteSubmit')}
          </Button>
          <Button onClick={close}>{t('common.cancel')}</Button>
        </DrawerFooter>
      </form>
    </SidePanel>
  );
}

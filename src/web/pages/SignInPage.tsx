import { Button, Card, Field, Input, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../../client/api-client.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { useI18n } from '../i18n/i18n.js';
import { LanguageMenu } from '../app/LanguageMenu.js';

const useStyles = makeStyles({
  page: { minHeight: '100vh', display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', backgroundColor: tokens.colorNeutralBackground3, gap: tokens.spacingVerticalL },
  card: { width: '440px', maxWidth: 'calc(100vw - 32px)', padding: tokens.spacingHorizontalXXL },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  brand: { color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
  actions: { display: 'flex', justifyContent: 'flex-end', marginTop: tokens.spacingVerticalS },
});

/**
 * Sign-in, and the password change a generated password requires before anything else. The
 * current password is asked again on the change form (the server checks it).
 */
export function SignInPage({ client, onSignedIn, mustChangePassword = false }: { client: ApiClient; onSignedIn: () => Promise<void>; mustChangePassword?: boolean }) {
  const styles = useStyles();
  const { t } = useI18n();
  const [userPrincipalName, setUserPrincipalName] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmPassword, setConfirmPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const isMismatch = confirmPassword !== '' && newPassword !== confirmPassword;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await onSignedIn();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submitSignIn = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await client.signIn({ userPrincipalName, password });
    });
  };

  const submitChange = (event: FormEvent) => {
    event.preventDefault();
    if (isMismatch) {
      return;
    }
    void run(async () => {
      await client.changePassword({ currentPassword: password, newPassword });
    });
  };

  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <Text className={styles.brand}>Allot</Text>
        {mustChangePassword ? (
          <form className={styles.form} onSubmit={submitChange} aria-labelledby="change-password-title">
            <Text as="h1" id="change-password-title" size={600} weight="semibold">
              {t('changePassword.title')}
            </Text>
            <Text>{t('changePassword.explanation')}</Text>
            {error === undefined ? null : <ErrorBar error={error} />}
            <Field label={t('changePassword.current')} required>
              <Input type="password" autoComplete="current-password" value={password} onChange={(_event, data) => setPassword(data.value)} />
            </Field>
            <Field label={t('changePassword.new')} hint={t('changePassword.hint')} required>
              <Input type="password" autoComplete="new-password" value={newPassword} onChange={(_event, data) => setNewPassword(data.value)} />
            </Field>
            <Field label={t('changePassword.confirm')} required validationMessage={isMismatch ? t('changePassword.mismatch') : undefined}>
              <Input type="password" autoComplete="new-password" value={confirmPassword} onChange={(_event, data) => setConfirmPassword(data.value)} />
            </Field>
            <div className={styles.actions}>
              <Button appearance="primary" type="submit" disabled={isBusy || password === '' || newPassword === '' || newPassword !== confirmPassword}>
                {t('changePassword.submit')}
              </Button>
            </div>
          </form>
        ) : (
          <form className={styles.form} onSubmit={submitSignIn} aria-labelledby="sign-in-title">
            <div>
              <Text as="h1" id="sign-in-title" size={600} weight="semibold" block>
                {t('signIn.title')}
              </Text>
              <Text>{t('signIn.subtitle')}</Text>
            </div>
            {error === undefined ? null : <ErrorBar error={error} />}
            <Field label={t('signIn.userPrincipalName')} required>
              <Input type="email" autoComplete="username" placeholder={t('signIn.userPrincipalNamePlaceholder')} value={userPrincipalName} onChange={(_event, data) => setUserPrincipalName(data.value)} />
            </Field>
            <Field label={t('signIn.password')} required>
              <Input type="password" autoComplete="current-password" value={password} onChange={(_event, data) => setPassword(data.value)} />
            </Field>
            <div className={styles.actions}>
              <Button appearance="primary" type="submit" disabled={isBusy || userPrincipalName === '' || password === ''}>
                {isBusy ? t('signIn.signingIn') : t('signIn.submit')}
              </Button>
            </div>
          </form>
        )}
      </Card>
      <LanguageMenu />
    </main>
  );
}

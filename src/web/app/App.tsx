import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApiClient } from '../../client/api-client.js';
import type { Session } from '../../client/types.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { Loading } from '../components/Loading.js';
import { I18nProvider } from '../i18n/i18n.js';
import { SignInPage } from '../pages/SignInPage.js';
import { SessionProvider } from './session.js';
import { Shell } from './Shell.js';

type Boot = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'signedOut' } | { status: 'signedIn'; session: Session };

function Root() {
  const client = useMemo(() => createApiClient(), []);
  const [boot, setBoot] = useState<Boot>({ status: 'loading' });

  const refreshSession = useCallback(
    () =>
      client.session().then(
        (session) => setBoot(session === undefined ? { status: 'signedOut' } : { status: 'signedIn', session }),
        (error: unknown) => setBoot({ status: 'error', error }),
      ),
    [client],
  );

  useEffect(() => {
    void refreshSession();
  }, [refreshSession]);

  const signOut = useCallback(async () => {
    await client.signOut();
    setBoot({ status: 'signedOut' });
  }, [client]);

  switch (boot.status) {
    case 'loading':
      return <Loading />;
    case 'error':
      return <ErrorBar error={boot.error} onRetry={() => void refreshSession()} />;
    case 'signedOut':
      return <SignInPage client={client} onSignedIn={refreshSession} />;
    case 'signedIn':
      if (boot.session.mustChangePassword) {
        return <SignInPage client={client} onSignedIn={refreshSession} mustChangePassword />;
      }
      return (
        <SessionProvider value={{ client, session: boot.session, signOut }}>
          <Shell />
        </SessionProvider>
      );
  }
}

export function App() {
  return (
    <FluentProvider theme={webLightTheme} style={{ minHeight: '100vh' }}>
      <I18nProvider>
        <Root />
      </I18nProvider>
    </FluentProvider>
  );
}

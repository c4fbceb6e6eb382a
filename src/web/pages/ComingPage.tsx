import { Link, MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { PageRoute } from '../app/routes.js';
import { followLink } from '../app/router.js';
import { ROUTES } from '../app/routes.js';
import { PageHeader } from '../components/PageHeader.js';
import { useI18n } from '../i18n/i18n.js';

/** A page of the navigation that is not built yet: it says so, and shows no made-up data. */
export function ComingPage({ route }: { route: PageRoute }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t(route.label)} />
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{t('coming.body')}</MessageBarTitle>
          <div>
            {t('coming.meanwhile')}{' '}
            <Link href={ROUTES.licenses.path} onClick={(event) => followLink(event, ROUTES.licenses.path)}>
              {t('nav.licenses')}
            </Link>
            {' · '}
            <Link href="/docs">{t('coming.apiReference')}</Link>
          </div>
        </MessageBarBody>
      </MessageBar>
    </>
  );
}

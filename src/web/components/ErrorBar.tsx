import { Button, Link, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { ApiError } from '../../client/api-error.js';
import { followLink } from '../app/router.js';
import { ROUTES } from '../app/routes.js';
import { useI18n } from '../i18n/i18n.js';

/** An API error as the admin center shows it: the server's message, its explanations and the request id. */
export function ErrorBar({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const apiError = error instanceof ApiError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <MessageBar intent="error" layout="multiline" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{message}</MessageBarTitle>
        {apiError?.details.map((detail, index) => (
          // Details may repeat a message (one per user the error names), so the index keys them.
          <div key={`${index}:${detail.message}`}>{detail.message}</div>
        ))}
        {apiError?.details.some((detail) => detail.code === 'CountViolation') ? (
          <div>
            <Link href={ROUTES.yourProducts.path} onClick={(event) => followLink(event, ROUTES.yourProducts.path)}>
              {t('error.buyMore')}
            </Link>
          </div>
        ) : null}
        {apiError?.requestId === undefined ? null : <div>{t('state.requestId', { id: apiError.requestId })}</div>}
      </MessageBarBody>
      {onRetry === undefined ? null : (
        <MessageBarActions>
          <Button onClick={onRetry}>{t('state.retry')}</Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

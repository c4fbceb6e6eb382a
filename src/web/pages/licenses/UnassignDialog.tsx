import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';
import { useState } from 'react';
import type { ProductOverview } from '../../../client/types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { useI18n } from '../../i18n/i18n.js';

interface Props {
  open: boolean;
  product: ProductOverview;
  userIds: string[];
  onClose: () => void;
  onUnassigned: (count: number) => void;
}

/** Unassign licenses, after a confirmation naming how many users lose the product. */
export function UnassignDialog({ open, product, userIds, onClose, onUnassigned }: Props) {
  const { t } = useI18n();
  const { client } = useSession();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const close = () => {
    setError(undefined);
    onClose();
  };

  const unassign = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.unassignProduct(product.skuId, { userIds });
      onUnassigned(userIds.length);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_event, data) => !data.open && close()} modalType="alert">
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{t('unassign.title')}</DialogTitle>
          <DialogContent>
            {t('unassign.body', { count: userIds.length, product: product.displayName })}
            {error === undefined ? null : <ErrorBar error={error} />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={isBusy} onClick={() => void unassign()}>
              {isBusy ? t('unassign.working') : t('unassign.submit')}
            </Button>
            <Button onClick={close}>{t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

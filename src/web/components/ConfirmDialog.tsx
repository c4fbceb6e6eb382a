import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { ErrorBar } from './ErrorBar.js';
import { useI18n } from '../i18n/i18n.js';

interface Props {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** The confirm button's text while the change runs, when it says more than a disabled button. */
  busyLabel?: string;
  /** Runs the change; a refusal stays in the dialog with the API's message. The caller closes on success. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/** A confirmation before a destructive change (remove, revoke, delete); mount it to open it. */
export function ConfirmDialog({ title, body, confirmLabel, busyLabel, onConfirm, onClose }: Props) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open modalType="alert" onOpenChange={(_event, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent>
            {body}
            {error === undefined ? null : <ErrorBar error={error} />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={isBusy} onClick={() => void confirm()}>
              {isBusy && busyLabel !== undefined ? busyLabel : confirmLabel}
            </Button>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input, makeStyles, MessageBar, MessageBarBody, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { ProductSettings } from '../../../client/reports.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { useI18n } from '../../i18n/i18n.js';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  price: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'flex-start' },
  hint: { color: tokens.colorNeutralForeground2 },
});

/** The API's limits (contracts/products.ts). */
const MAX_DAYS = 3650;
const MAX_PRICE = 9_999_999_999.99;

const parseDays = (text: string): number | undefined => (/^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= MAX_DAYS ? Number(text) : undefined);
/** A price with at most two decimals, with a decimal point or comma; '' means no price. */
const parsePrice = (text: string): number | null | undefined => {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') {
    return null;
  }
  return /^\d+(\.\d{1,2})?$/.test(trimmed) && Number(trimmed) <= MAX_PRICE ? Number(trimmed) : undefined;
};

interface Props {
  product: ProductSettings;
  /** Why the signed-in admin may not change the settings, if they may not. */
  deniedReason: string | undefined;
  onClose: () => void;
  onSaved: (message: string) => void;
}

/** A product's reclaim settings: the days without activity after which a holder is listed, and what a license costs per month. */
export function ReclaimSettingsDialog({ product, deniedReason, onClose, onSaved }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [days, setDays] = useState(String(product.inactivityDays));
  const [price, setPrice] = useState(product.monthlyPrice === null ? '' : String(product.monthlyPrice));
  const [currency, setCurrency] = useState(product.currency ?? 'EUR');
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const parsedDays = parseDays(days);
  const parsedPrice = parsePrice(price);
  const isCurrencyValid = parsedPrice === null || /^[A-Za-z]{3}$/.test(currency.trim());
  const isValid = parsedDays !== undefined && parsedPrice !== undefined && isCurrencyValid;

  const save = async () => {
    if (parsedDays === undefined || parsedPrice === undefined) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await client.updateProductSettings(product.skuId, {
        inactivityDays: parsedDays,
        monthlyPrice: parsedPrice,
        currency: parsedPrice === null ? null : currency.trim().toUpperCase(),
      });
      onSaved(t('reclaim.settingsSaved', { product: product.displayName }));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{t('reclaim.settingsTitle', { product: product.displayName })}</DialogTitle>
          <DialogContent className={styles.content}>
            {deniedReason === undefined ? null : (
              <MessageBar intent="info">
                <MessageBarBody>{deniedReason}</MessageBarBody>
              </MessageBar>
            )}
            <Field label={t('reclaim.settingsDays')} hint={t('reclaim.settingsDaysHint')} validationMessage={parsedDays === undefined ? t('reclaim.settingsDaysInvalid') : undefined}>
              <Input type="number" min={1} max={MAX_DAYS} value={days} disabled={deniedReason !== undefined} onChange={(_event, data) => setDays(data.value)} style={{ width: '140px' }} />
            </Field>
            <div className={styles.price}>
              <Field label={t('reclaim.settingsPrice')} validationMessage={parsedPrice === undefined ? t('reclaim.settingsPriceInvalid') : undefined}>
                <Input inputMode="decimal" value={price} disabled={deniedReason !== undefined} onChange={(_event, data) => setPrice(data.value)} style={{ width: '160px' }} />
              </Field>
              <Field label={t('reclaim.settingsCurrency')} validationMessage={isCurrencyValid ? undefined : t('reclaim.settingsCurrencyInvalid')}>
                <Input value={currency} maxLength={3} disabled={deniedReason !== undefined || parsedPrice === null} onChange={(_event, data) => setCurrency(data.value)} style={{ width: '90px' }} />
              </Field>
            </div>
            <Text className={styles.hint}>{t('reclaim.settingsPriceHint')}</Text>
            {error === undefined ? null : <ErrorBar error={error} />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={isBusy || !isValid || deniedReason !== undefined} title={deniedReason} onClick={() => void save()}>
              {isBusy ? t('reclaim.saving') : t('reclaim.save')}
            </Button>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

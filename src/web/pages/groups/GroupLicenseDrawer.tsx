import { Button, DrawerBody, DrawerFooter, Field, makeStyles, Radio, RadioGroup, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { Group } from '../../../client/billing-groups.js';
import type { ProductOverview } from '../../../client/types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { ServiceSwitches } from '../../components/ServiceSwitches.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
});

interface Props {
  open: boolean;
  group: Group;
  products: ProductOverview[];
  onClose: () => void;
  onAssigned: (productName: string) => void;
}

/** Assign a product to a group (Graph's assignLicense on the group) with its apps and services toggles. */
export function GroupLicenseDrawer({ open, group, products, onClose, onAssigned }: Props) {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client } = useSession();
  const held = new Set((group.assignedLicenses ?? []).map((license) => license.skuId));
  const choices = products.filter((product) => product.appliesTo === 'User' && !held.has(product.skuId));
  const [skuId, setSkuId] = useState<string>();
  const [disabledPlans, setDisabledPlans] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const chosen = choices.find((product) => product.skuId === skuId);
  const close = () => {
    setSkuId(undefined);
    setDisabledPlans(new Set());
    setError(undefined);
    onClose();
  };

  const assign = async () => {
    if (chosen === undefined) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await client.assignGroupLicense(group.id, { addLicenses: [{ skuId: chosen.skuId, disabledPlans: [...disabledPlans] }], removeLicenses: [] });
      const name = chosen.displayName;
      setSkuId(undefined);
      setDisabledPlans(new Set());
      onAssigned(name);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel open={open} size="medium" title={t('groups.assignTitle', { group: group.displayName })} onClose={close}>
      <DrawerBody className={styles.body}>
        <Text>{t('groups.directMembersOnly')}</Text>
        {error === undefined ? null : <ErrorBar error={error} />}
        {choices.length === 0 ? <Text>{t('groups.noProductsLeft')}</Text> : null}
        {choices.length > 0 ? (
          <Field label={t('groups.product')}>
            <RadioGroup
              value={skuId ?? ''}
              onChange={(_event, data) => {
                setSkuId(data.value);
                setDisabledPlans(new Set());
              }}
            >
              {choices.map((product) => (
                <Radio key={product.skuId} value={product.skuId} label={t('groups.productChoice', { product: product.displayName, available: formatNumber(product.available), total: formatNumber(product.total) })} />
              ))}
            </RadioGroup>
          </Field>
        ) : null}
        {chosen === undefined ? null : (
          <ServiceSwitches skuId={chosen.skuId} disabledPlans={disabledPlans} onChange={setDisabledPlans} hint={t('groups.servicesHint')} titleId="group-services-title" />
        )}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || chosen === undefined} onClick={() => void assign()}>
          {isBusy ? t('assign.assigning') : t('assign.submit')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

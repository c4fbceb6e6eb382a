import {
  Button,
  Checkbox,
  DrawerBody,
  DrawerFooter,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Field,
  Switch,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { BulkPreview } from '../../../client/users.js';
import type { ProductOverview } from '../../../client/types.js';
import type { UserRow } from '../../../client/user-types.js';
import { followLink } from '../../app/router.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { PreviewConflicts, PreviewDataClocks, PreviewSeatChanges } from './LicenseChangePreview.js';
import { useUsersStyles } from './users-common.js';

type Mode = 'addMore' | 'replace' | 'removeAll';

const SHOWN_SERVICES = 4;
/** The first few names and how many more: a suite's lost services run to dozens. */
const summarize = (names: string[], t: Translate): string =>
  names.length <= SHOWN_SERVICES ? names.join(', ') : t('users.andMore', { names: names.slice(0, SHOWN_SERVICES).join(', '), count: names.length - SHOWN_SERVICES });

const useStyles = makeStyles({
  product: { display: 'flex', flexDirection: 'column', borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, paddingBlock: tokens.spacingVerticalXS },
  services: { display: 'flex', flexDirection: 'column', paddingInlineStart: tokens.spacingHorizontalXXL },
  preview: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, borderTop: `1px solid ${tokens.colorNeutralStroke1}`, paddingTop: tokens.spacingVerticalM },
});

interface Props {
  open: boolean;
  users: UserRow[];
  products: ProductOverview[];
  title: string;
  onClose: () => void;
  onDone: (message: string) => void;
}

/**
 * Manage product licenses for the selected users: Assign more, Replace or Unassign all, products
 * with their services (all on by default). Preview runs the change as a dry run (seat deltas,
 * conflicts, licenses to buy, data clocks that would start); Save applies exactly that.
 */
export function ManageLicensesDrawer({ open, users, products, title, onClose, onDone }: Props) {
  const styles = useStyles();
  const common = useUsersStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [mode, setMode] = useState<Mode>('addMore');
  const [chosen, setChosen] = useState<Map<string, Set<string>>>(new Map());
  const [preview, setPreview] = useState<BulkPreview>();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const chosenKey = [...chosen.keys()].join(',');
  const services = useAsync(
    async () => new Map(await Promise.all([...chosen.keys()].map(async (skuId) => [skuId, await client.listProductServices(skuId)] as const))),
    `bulk-services:${chosenKey}`,
  );

  const names = new Map(users.map((user) => [user.id, user.displayName]));

  const change = (next: () => void) => {
    next();
    setPreview(undefined);
    setError(undefined);
  };
  const reset = () => {
    setMode('addMore');
    setChosen(new Map());
    setPreview(undefined);
    setError(undefined);
  };
  const close = () => {
    reset();
    onClose();
  };

  const body = (dryRun: boolean) => ({
    userIds: users.map((user) => user.id),
    mode,
    licenses: mode === 'removeAll' ? [] : [...chosen].map(([skuId, off]) => ({ skuId, disabledPlans: [...off] })),
    dryRun,
  });
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await client.manageLicenses(body(dryRun));
      if (dryRun) {
        setPreview(result);
      } else {
        reset();
        onDone(t('users.bulkDone', { count: users.length }));
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const servicesLost = preview?.users.filter((user) => user.servicesLost.length > 0) ?? [];
  const canPreview = mode === 'removeAll' || chosen.size > 0;

  return (
    <SidePanel open={open} size="medium" title={title} onClose={close}>
      <DrawerBody className={common.stack}>
        <Text>{t('users.bulkIntro', { count: users.length, names: users.slice(0, 3).map((user) => user.displayName).join(', ') + (users.length > 3 ? '…' : '') })}</Text>
        <Field label={t('users.bulkMode')}>
          <RadioGroup value={mode} onChange={(_event, data) => change(() => setMode(data.value as Mode))}>
            <Radio value="addMore" label={t('users.bulkAddMore')} />
            <Radio value="replace" label={t('users.bulkReplace')} />
            <Radio value="removeAll" label={t('users.bulkRemoveAll')} />
          </RadioGroup>
        </Field>
        {mode === 'removeAll' ? null : (
          <section className={common.tightStack} aria-labelledby="bulk-licenses-title">
            <Text as="h2" id="bulk-licenses-title" weight="semibold" size={400}>
              {t('users.licensesAndApps')}
            </Text>
            {products.map((product) => {
              const off = chosen.get(product.skuId);
              const plans = services.state.status === 'done' ? (services.state.data.get(product.skuId) ?? []) : [];
              return (
                <div key={product.skuId} className={styles.product}>
                  <Checkbox
                    label={t('users.licenseOption', { product: product.displayName, available: product.available, total: product.total })}
                    checked={off !== undefined}
                    onChange={(_event, data) =>
                      change(() => {
                        const next = new Map(chosen);
                        if (data.checked === true) {
                          next.set(product.skuId, new Set());
                        } else {
                          next.delete(product.skuId);
                        }
                        setChosen(next);
                      })
                    }
                  />
                  {off !== undefined && services.state.status === 'loading' ? <Loading /> : null}
                  {off !== undefined && plans.length > 0 ? (
                    <div className={styles.services} role="group" aria-label={t('users.servicesOf', { product: product.displayName })}>
                      {plans.map((plan) => (
                        <Switch
                          key={plan.servicePlanId}
                          label={plan.friendlyName}
                          checked={!off.has(plan.servicePlanId)}
                          onChange={(_event, data) =>
                            change(() => {
                              const nextOff = new Set(off);
                              if (data.checked) {
                                nextOff.delete(plan.servicePlanId);
                              } else {
                                nextOff.add(plan.servicePlanId);
                              }
                              setChosen(new Map(chosen).set(product.skuId, nextOff));
                            })
                          }
                        />
                      ))}
                    </div>
                  ) : null}
                </div>
              );
            })}
            {services.state.status === 'error' ? <ErrorBar error={services.state.error} onRetry={services.reload} /> : null}
          </section>
        )}
        {error === undefined ? null : <ErrorBar error={error} />}
        {preview === undefined ? null : (
          <section className={styles.preview} aria-labelledby="bulk-preview-title" data-testid="bulk-preview">
            <Text as="h2" id="bulk-preview-title" weight="semibold" size={400}>
              {t('users.previewTitle')}
            </Text>
            {preview.canApply ? (
              <MessageBar intent="success">
                <MessageBarBody>{t('users.previewOk')}</MessageBarBody>
              </MessageBar>
            ) : null}
            {preview.licensesToBuy.map((shortage) => (
              <MessageBar key={shortage.skuId} intent="error" layout="multiline">
                <MessageBarBody>
                  <MessageBarTitle>{t('users.needMore', { count: shortage.count, product: shortage.displayName })}</MessageBarTitle>
                  <Link href={ROUTES.yourProducts.path} onClick={(event) => followLink(event, ROUTES.yourProducts.path)}>
                    {t('error.buyMore')}
                  </Link>
                </MessageBarBody>
              </MessageBar>
            ))}
            {preview.seatDeltas.length === 0 ? <Text>{t('users.previewNoSeats')}</Text> : <PreviewSeatChanges seatDeltas={preview.seatDeltas} />}
            <PreviewConflicts users={preview.users} />
            {servicesLost.length === 0 ? null : (
              <MessageBar intent="warning" layout="multiline">
                <MessageBarBody>
                  <MessageBarTitle>{t('users.previewServicesLost')}</MessageBarTitle>
                  <ul>
                    {servicesLost.map((user) => (
                      <li key={user.id}>{`${user.displayName}: ${summarize(user.servicesLost.map((service) => service.name), t)}`}</li>
                    ))}
                  </ul>
                </MessageBarBody>
              </MessageBar>
            )}
            <PreviewDataClocks clocks={preview.dataClocks ?? []} names={names} />
            {preview.users.length > 0 ? <Text>{t('users.previewUsers', { count: preview.users.filter((user) => user.added.length + user.removed.length > 0).length })}</Text> : null}
          </section>
        )}
      </DrawerBody>
      <DrawerFooter className={common.footer}>
        {preview === undefined ? (
          <Button appearance="primary" disabled={isBusy || !canPreview} onClick={() => void run(true)}>
            {isBusy ? t('users.previewing') : t('users.preview')}
          </Button>
        ) : (
          <Button appearance="primary" disabled={isBusy || !preview.canApply} onClick={() => void run(false)}>
            {isBusy ? t('users.saving') : t('users.saveChanges')}
          </Button>
        )}
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

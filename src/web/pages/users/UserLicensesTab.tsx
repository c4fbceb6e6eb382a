import { Button, Checkbox, Link, makeStyles, MessageBar, MessageBarBody, Switch, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { ProductOverview, ProductService } from '../../../client/types.js';
import type { UserDetails, UserLicenses } from '../../../client/user-types.js';
import { followLink } from '../../app/router.js';
import { groupPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { guestLicensingBlockedReason, licensingBlockedReason, useUsersStyles } from './users-common.js';

const useStyles = makeStyles({
  license: { borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, paddingBlock: tokens.spacingVerticalS, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  source: { color: tokens.colorNeutralForeground2, paddingInlineStart: tokens.spacingHorizontalXXL },
  services: { display: 'flex', flexDirection: 'column', paddingInlineStart: tokens.spacingHorizontalXXL },
});

interface Loaded {
  licenses: UserLicenses;
  services: Map<string, ProductService[]>;
  groupNames: Map<string, string>;
  requiresGlobalAdminForGuests: boolean;
}

/** Direct licenses being edited: product → the services switched off. */
type DirectEdit = Map<string, Set<string>>;

const directOf = (licenses: UserLicenses): DirectEdit =>
  new Map(licenses.licenseAssignmentStates.filter((state) => state.assignedByGroup === null).map((state) => [state.skuId, new Set(state.disabledPlans)]));

const sameEdit = (a: DirectEdit, b: DirectEdit): boolean =>
  a.size === b.size && [...a].every(([skuId, off]) => {
    const other = b.get(skuId);
    return other !== undefined && other.size === off.size && [...off].every((plan) => other.has(plan));
  });

/**
 * Licenses and apps: a checkbox per product of the organization and a switch per service, each
 * license with its source. Licenses inherited from a group are read-only here (change them on the
 * group); Save sends the direct licenses with the ETag they were read with.
 */
export function UserLicensesTab({ user, products, onSaved }: { user: UserDetails; products: ProductOverview[]; onSaved: () => void }) {
  const styles = useStyles();
  const common = useUsersStyles();
  const { t } = useI18n();
  const { client, session } = useSession();
  const [edit, setEdit] = useState<DirectEdit>();
  const [error, setError] = useState<unknown>();
  const [isSaving, setSaving] = useState(false);

  const loaded = useAsync(async (): Promise<Loaded> => {
    const licenses = await client.getUserLicenses(user.id);
    const groupIds = [...new Set(licenses.licenseAssignmentStates.flatMap((state) => (state.assignedByGroup === null ? [] : [state.assignedByGroup])))];
    const [services, groupNames, settings] = await Promise.all([
      Promise.all(products.map(async (product) => [product.skuId, await client.listProductServices(product.skuId)] as const)),
      Promise.all(groupIds.map(async (groupId) => [groupId, await client.groupName(groupId).catch(() => groupId)] as const)),
      user.userType === 'Guest' ? client.organizationSettings().catch(() => ({ guestLicensingRequiresGlobalAdmin: true })) : Promise.resolve({ guestLicensingRequiresGlobalAdmin: true }),
    ]);
    setEdit(directOf(licenses));
    return { licenses, services: new Map(services), groupNames: new Map(groupNames), requiresGlobalAdminForGuests: settings.guestLicensingRequiresGlobalAdmin };
  }, `licenses:${user.id}:${products.map((product) => product.skuId).join(',')}`);

  if (loaded.state.status === 'loading' || (loaded.state.status === 'done' && edit === undefined)) {
    return <Loading />;
  }
  if (loaded.state.status === 'error') {
    return <ErrorBar error={loaded.state.error} onRetry={loaded.reload} />;
  }
  const data = loaded.state.data;
  const current = edit ?? new Map<string, Set<string>>();
  const blockedReason = user.userType === 'Guest' ? guestLicensingBlockedReason(session, data.requiresGlobalAdminForGuests, t) : licensingBlockedReason(session, t);
  const isChanged = !sameEdit(current, directOf(data.licenses));

  const update = (change: (next: DirectEdit) => void) => {
    const next = new Map([...current].map(([skuId, off]) => [skuId, new Set(off)]));
    change(next);
    setEdit(next);
  };

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await client.setUserLicenses(user.id, data.licenses.etag, [...current].map(([skuId, off]) => ({ skuId, disabledPlans: [...off] })));
      setEdit(undefined);
      loaded.reload();
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className={common.stack} aria-label={t('users.licensesTab')}>
      {blockedReason === undefined ? null : (
        <MessageBar intent="warning">
          <MessageBarBody>{blockedReason}</MessageBarBody>
        </MessageBar>
      )}
      {error === undefined ? null : <ErrorBar error={error} />}
      {products.length === 0 ? <Text>{t('users.noProducts')}</Text> : null}
      {products.map((product) => {
        const inherited = data.licenses.licenseAssignmentStates.filter((state) => state.skuId === product.skuId && state.assignedByGroup !== null);
        const directOff = current.get(product.skuId);
        const isDirect = directOff !== undefined;
        const isHeld = isDirect || inherited.length > 0;
        const services = data.services.get(product.skuId) ?? [];
        // Inherited only: the services as the group gives them, read-only.
        const inheritedOff = new Set(inherited.flatMap((state) => state.disabledPlans));
        return (
          <div key={product.skuId} className={styles.license}>
            <Checkbox
              label={t('users.licenseOption', { product: product.displayName, available: product.available, total: product.total })}
              checked={isHeld}
              disabled={blockedReason !== undefined || (!isDirect && inherited.length > 0)}
              onChange={(_event, checkbox) =>
                update((next) => {
                  if (checkbox.checked === true) {
                    next.set(product.skuId, new Set());
                  } else {
                    next.delete(product.skuId);
                  }
                })
              }
            />
            {isDirect ? <Text className={styles.source}>{t('users.sourceDirect')}</Text> : null}
            {inherited.map((state) => {
              const groupId = state.assignedByGroup ?? '';
              return (
                <Text key={groupId} className={styles.source} data-testid="inherited-source">
                  {t('users.sourceGroupPrefix')}{' '}
                  <Link href={groupPath(groupId)} onClick={(event) => followLink(event, groupPath(groupId))}>
                    {data.groupNames.get(groupId) ?? groupId}
                  </Link>{' '}
                  {isDirect ? null : t('users.inheritedReadOnly')}
                </Text>
              );
            })}
            {isHeld && services.length > 0 ? (
              <div className={styles.services} role="group" aria-label={t('users.servicesOf', { product: product.displayName })}>
                {services.map((service) => (
                  <Switch
                    key={service.servicePlanId}
                    label={service.friendlyName}
                    checked={isDirect ? !directOff.has(service.servicePlanId) : !inheritedOff.has(service.servicePlanId)}
                    disabled={!isDirect || blockedReason !== undefined}
                    onChange={(_event, toggle) =>
                      update((next) => {
                        const off = next.get(product.skuId);
                        if (toggle.checked) {
                          off?.delete(service.servicePlanId);
                        } else {
                          off?.add(service.servicePlanId);
                        }
                      })
                    }
                  />
                ))}
              </div>
            ) : null}
          </div>
        );
      })}
      <div className={common.footer}>
        <Button appearance="primary" disabled={!isChanged || isSaving || blockedReason !== undefined} onClick={() => void save()}>
          {isSaving ? t('users.saving') : t('users.saveChanges')}
        </Button>
        {isChanged ? (
          <Button onClick={() => setEdit(directOf(data.licenses))} disabled={isSaving}>
            {t('common.cancel')}
          </Button>
        ) : null}
      </div>
    </section>
  );
}

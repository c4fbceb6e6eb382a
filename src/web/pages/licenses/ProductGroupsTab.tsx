import {
  Badge,
  Button,
  Combobox,
  DrawerBody,
  DrawerFooter,
  Field,
  Link,
  Option,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowSyncRegular, DeleteRegular, PeopleAddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { Group } from '../../../client/billing-groups.js';
import type { ProductOverview } from '../../../client/types.js';
import { followLink } from '../../app/router.js';
import { groupPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { AsyncList } from '../../components/AsyncList.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { ServiceSwitches } from '../../components/ServiceSwitches.js';
import { SidePanel } from '../../components/SidePanel.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { useTypeahead } from '../../lib/use-typeahead.js';
import { groupType, processingStateLabel, reprocessOutcome } from '../groups/group-text.js';
import { licensingBlockedReason, useUsersStyles } from '../users/users-common.js';

/**
 * A product's Groups tab: the groups that give it to their members, whether any member is in
 * error, reprocess, remove; and assigning the product to another group with its apps and services.
 */
export function ProductGroupsTab({ product, onChanged }: { product: ProductOverview; onChanged: () => void }) {
  const styles = useUsersStyles();
  const { t } = useI18n();
  const { client, session } = useSession();
  const groups = useAsync(() => client.groupsWithProduct(product.skuId), `product-groups:${product.skuId}`);
  const [isAssignOpen, setAssignOpen] = useState(false);
  const [removing, setRemoving] = useState<Group>();
  const change = useChange();
  const blockedReason = licensingBlockedReason(session, t);

  const afterChange = (message: string) => {
    change.setNotice(message);
    groups.reload();
    onChanged();
  };
  const reprocess = (group: Group) =>
    change.run(async () => {
      const outcome = reprocessOutcome(await client.reprocessGroup(group.id), t);
      groups.reload();
      onChanged();
      return outcome;
    });

  return (
    <Surface aria-label={t('product.groupsTable', { product: product.displayName })}>
      <Toolbar aria-label={t('product.groupsTab')}>
        <ToolbarButton appearance="subtle" icon={<PeopleAddRegular />} disabled={blockedReason !== undefined} title={blockedReason} onClick={() => setAssignOpen(true)}>
          {t('product.assignToGroup')}
        </ToolbarButton>
        <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={groups.reload}>
          {t('common.refresh')}
        </ToolbarButton>
      </Toolbar>
      <Text className={styles.hint}>{t('product.groupsIntro')}</Text>
      <ChangeOutcome change={change} />
      <AsyncList source={groups} empty={t('product.noGroups')}>
        {(groupsWithProduct) => (
          <Table aria-label={t('product.groupsTable', { product: product.displayName })}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('groups.name')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.type')}</TableHeaderCell>
                <TableHeaderCell>{t('product.groupProcessing')}</TableHeaderCell>
                <TableHeaderCell>{t('product.groupErrors')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.actions')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {groupsWithProduct.map((group) => (
                <TableRow key={group.id}>
                  <TableCell>
                    <Link href={groupPath(group.id)} onClick={(event) => followLink(event, groupPath(group.id))}>
                      {group.displayName}
                    </Link>
                  </TableCell>
                  <TableCell>{groupType(group, t)}</TableCell>
                  <TableCell>{group.licenseProcessingState?.state === undefined ? '—' : processingStateLabel(group.licenseProcessingState.state, t)}</TableCell>
                  <TableCell>
                    {group.hasMembersWithLicenseErrors ? (
                      <Badge appearance="tint" color="danger">
                        {t('product.groupHasErrors')}
                      </Badge>
                    ) : (
                      t('product.groupNoErrors')
                    )}
                  </TableCell>
                  <TableCell>
                    <Button appearance="subtle" size="small" icon={<ArrowSyncRegular />} disabled={blockedReason !== undefined || change.isBusy} title={blockedReason} onClick={() => void reprocess(group)}>
                      {t('groups.reprocess')}
                    </Button>
                    <Button appearance="subtle" size="small" icon={<DeleteRegular />} disabled={blockedReason !== undefined} title={blockedReason} onClick={() => setRemoving(group)}>
                      {t('groups.removeLicense')}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </AsyncList>
      {removing === undefined ? null : (
        <ConfirmDialog
          title={t('groups.removeLicenseTitle', { product: product.displayName })}
          body={t('groups.removeLicenseBody', { product: product.displayName, group: removing.displayName })}
          confirmLabel={t('groups.removeLicense')}
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => {
            await client.assignGroupLicense(removing.id, { addLicenses: [], removeLicenses: [product.skuId] });
            setRemoving(undefined);
            afterChange(t('product.groupLicenseRemoved', { product: product.displayName, group: removing.displayName }));
          }}
        />
      )}
      <AssignToGroupDrawer
        open={isAssignOpen}
        product={product}
        heldBy={groups.state.status === 'done' ? groups.state.data.map((group) => group.id) : []}
        onClose={() => setAssignOpen(false)}
        onAssigned={(group) => {
          setAssignOpen(false);
          afterChange(t('product.groupLicenseAssigned', { product: product.displayName, group }));
        }}
      />
    </Surface>
  );
}

/** Choose a group by name (typeahead over the directory), the product's apps and services, Assign. */
function AssignToGroupDrawer({ open, product, heldBy, onClose, onAssigned }: { open: boolean; product: ProductOverview; heldBy: string[]; onClose: () => void; onAssigned: (groupName: string) => void }) {
  const styles = useUsersStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<Group>();
  const [disabledPlans, setDisabledPlans] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const { options, error: searchError } = useTypeahead(async (words) => (await client.listGroups({ search: words })).value, query, open);
  const shown = options?.filter((group) => !heldBy.includes(group.id));

  const close = () => {
    setQuery('');
    setChosen(undefined);
    setDisabledPlans(new Set());
    setError(undefined);
    onClose();
  };
  const assign = async (group: Group) => {
    setBusy(true);
    setError(undefined);
    try {
      await client.assignGroupLicense(group.id, { addLicenses: [{ skuId: product.skuId, disabledPlans: [...disabledPlans] }], removeLicenses: [] });
      close();
      onAssigned(group.displayName);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel open={open} size="medium" title={t('product.assignToGroupTitle', { product: product.displayName })} onClose={close}>
      <DrawerBody className={styles.stack}>
        <Text>{t('product.assignToGroupIntro')}</Text>
        {error === undefined ? null : <ErrorBar error={error} />}
        {searchError === undefined ? null : <ErrorBar error={searchError} />}
        <Field label={t('product.group')} required>
          <Combobox
            placeholder={t('product.groupPlaceholder')}
            value={chosen?.displayName ?? query}
            selectedOptions={chosen === undefined ? [] : [chosen.id]}
            onChange={(event) => {
              setChosen(undefined);
              setQuery(event.target.value);
            }}
            onOptionSelect={(_event, data) => setChosen(options?.find((group) => group.id === data.optionValue))}
          >
            {shown === undefined ? (
              <Option disabled value="">
                {t('assign.searching')}
              </Option>
            ) : shown.length === 0 ? (
              <Option disabled value="">
                {t('product.noGroupsFound')}
              </Option>
            ) : (
              shown.map((group) => (
                <Option key={group.id} value={group.id} text={group.displayName}>
                  {group.displayName}
                </Option>
              ))
            )}
          </Combobox>
        </Field>
        <ServiceSwitches skuId={product.skuId} disabledPlans={disabledPlans} onChange={setDisabledPlans} hint={t('assign.appsHint')} titleId="group-services-title" />
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || chosen === undefined} onClick={() => chosen !== undefined && void assign(chosen)}>
          {isBusy ? t('assign.assigning') : t('assign.submit')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

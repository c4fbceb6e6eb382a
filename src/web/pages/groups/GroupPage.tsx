import {
  Badge,
  Breadcrumb,
  BreadcrumbButton,
  BreadcrumbDivider,
  BreadcrumbItem,
  Button,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Switch,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowSyncRegular, DeleteRegular, KeyMultipleRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { Group } from '../../../client/billing-groups.js';
import type { ProductOverview } from '../../../client/types.js';
import { followLink } from '../../app/router.js';
import { productPath, ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { AsyncList } from '../../components/AsyncList.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { GroupLicenseDrawer } from './GroupLicenseDrawer.js';
import { groupType, isDynamic, processingStateLabel, reprocessOutcome } from './group-text.js';
import { MembershipRuleEditor } from './MembershipRuleEditor.js';
import { UserPicker } from './UserPicker.js';

const useStyles = makeStyles({
  tabs: { marginBottom: tokens.spacingVerticalM },
  meta: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', color: tokens.colorNeutralForeground2 },
  picker: { maxWidth: '420px' },
  empty: { display: 'block', padding: tokens.spacingVerticalM },
});

type TabValue = 'members' | 'licenses' | 'errors' | 'rule';

/** Entra's group licensing error codes in plain words; an unknown code shows as sent. */
const ERROR_LABELS: Record<string, MessageKey> = {
  CountViolation: 'groups.errorCountViolation',
  MutuallyExclusiveViolation: 'groups.errorMutuallyExclusiveViolation',
  DependencyViolation: 'groups.errorDependencyViolation',
  ProhibitedInUsageLocationViolation: 'groups.errorProhibitedInUsageLocationViolation',
  Other: 'groups.errorOther',
};
const explainError = (code: string, t: Translate): string => {
  const label = ERROR_LABELS[code];
  return label === undefined ? code : `${t(label)} (${code})`;
};

/** A group: its direct members, its licenses (inherited by direct members), members in error, and a dynamic group's rule. */
export function GroupPage({ groupId }: { groupId: string }) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [tab, setTab] = useState<TabValue>('members');
  const group = useAsync(() => client.getGroup(groupId), `group:${groupId}`);
  const name = group.state.status === 'done' ? group.state.data.displayName : '';

  return (
    <>
      <PageHeader
        title={name}
        subtitle={
          group.state.status === 'done' ? (
            <span className={styles.meta}>
              <span>{groupType(group.state.data, t)}</span>
              {isDynamic(group.state.data) ? <Badge appearance="tint" color="brand">{t('groups.dynamic')}</Badge> : <span>{t('groups.assigned')}</span>}
              {group.state.data.description === null ? null : <span>{group.state.data.description}</span>}
            </span>
          ) : undefined
        }
      >
        <Breadcrumb aria-label={t('product.breadcrumb')}>
          <BreadcrumbItem>
            <BreadcrumbButton href={ROUTES.groups.path} onClick={(event) => followLink(event, ROUTES.groups.path)}>
              {t('nav.groups')}
            </BreadcrumbButton>
          </BreadcrumbItem>
          <BreadcrumbDivider />
          <BreadcrumbItem>
            <BreadcrumbButton current>{name || t('state.loading')}</BreadcrumbButton>
          </BreadcrumbItem>
        </Breadcrumb>
      </PageHeader>
      {group.state.status === 'loading' ? <Loading /> : null}
      {group.state.status === 'error' ? <ErrorBar error={group.state.error} onRetry={group.reload} /> : null}
      {group.state.status === 'done' ? (
        <>
          <TabList className={styles.tabs} selectedValue={tab} onTabSelect={(_event, data) => setTab(data.value as TabValue)} aria-label={name}>
            <Tab value="members">{t('groups.membersTab')}</Tab>
            <Tab value="licenses">{t('groups.licensesTab')}</Tab>
            <Tab value="errors">{t('groups.errorsTab')}</Tab>
            {isDynamic(group.state.data) ? <Tab value="rule">{t('groups.ruleTab')}</Tab> : null}
          </TabList>
          {tab === 'members' ? <MembersTab group={group.state.data} /> : null}
          {tab === 'licenses' ? <LicensesTab group={group.state.data} onChanged={group.reload} /> : null}
          {tab === 'errors' ? <ErrorsTab group={group.state.data} /> : null}
          {tab === 'rule' ? <MembershipRuleEditor group={group.state.data} onSaved={group.reload} /> : null}
        </>
      ) : null}
    </>
  );
}

function MembersTab({ group }: { group: Group }) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client, session } = useSession();
  const members = useAsync(() => client.listGroupMembers(group.id), `members:${group.id}`);
  const change = useChange();
  const dynamic = isDynamic(group);
  const canManage = session.allowedActions.includes('groupMembers.manage');

  const changeMembers = (action: () => Promise<void>, message: string) =>
    change.run(async () => {
      await action();
      members.reload();
      return message;
    });

  return (
    <Surface roomy aria-label={t('groups.membersTab')}>
      {dynamic ? (
        <MessageBar intent="info">
          <MessageBarBody>{t('groups.dynamicMembersInfo')}</MessageBarBody>
        </MessageBar>
      ) : (
        <div className={styles.picker}>
          <UserPicker
            label={t('groups.addMember')}
            disabled={!canManage}
            hint={canManage ? undefined : t('groups.needsGroupsRole')}
            onPick={(user) => void changeMembers(() => client.addGroupMember(group.id, user.id), t('groups.memberAdded', { name: user.displayName }))}
          />
        </div>
      )}
      <ChangeOutcome change={change} />
      <AsyncList source={members} empty={t('groups.noMembers')}>
        {(rows) => (
          <Table aria-label={t('groups.membersTable', { group: group.displayName })}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('groups.name')}</TableHeaderCell>
                <TableHeaderCell>{t('product.userPrincipalName')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.memberType')}</TableHeaderCell>
                {dynamic ? null : <TableHeaderCell>{t('groups.actions')}</TableHeaderCell>}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((member) => (
                <TableRow key={member.id}>
                  <TableCell>{member.displayName}</TableCell>
                  <TableCell>{member.userPrincipalName ?? ''}</TableCell>
                  <TableCell>{member['@odata.type'] === '#microsoft.graph.group' ? t('groups.memberGroup') : t('groups.memberUser')}</TableCell>
                  {dynamic ? null : (
                    <TableCell>
                      <Button
                        appearance="subtle"
                        size="small"
                        icon={<DeleteRegular />}
                        disabled={!canManage}
                        title={canManage ? undefined : t('groups.needsGroupsRole')}
                        aria-label={t('groups.removeMember', { name: member.displayName })}
                        onClick={() => void changeMembers(() => client.removeGroupMember(group.id, member.id), t('groups.memberRemoved', { name: member.displayName }))}
                      />
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </AsyncList>
    </Surface>
  );
}

function LicensesTab({ group, onChanged }: { group: Group; onChanged: () => void }) {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client, session } = useSession();
  const products = useAsync(() => client.listProducts(), 'products');
  // Keyed by the group's licenses, so an assignment or removal (which reloads the group) reloads them too.
  const held = useAsync(() => client.groupLicenses(group.id), `group-licenses:${group.id}:${(group.assignedLicenses ?? []).map((license) => license.skuId).join(',')}`);
  const [isAssignOpen, setAssignOpen] = useState(false);
  const [removing, setRemoving] = useState<{ skuId: string; productName: string }>();
  const change = useChange();
  const canAssign = session.allowedActions.includes('licenses.assign');
  const licenses = held.state.status === 'done' ? held.state.data : [];
  const productOf = (skuId: string): ProductOverview | undefined => (products.state.status === 'done' ? products.state.data.find((product) => product.skuId === skuId) : undefined);
  const changeLicenses = (action: () => Promise<unknown>, message: string) =>
    change.run(async () => {
      await action();
      held.reload();
      onChanged();
      return message;
    });

  return (
    <Surface roomy aria-label={t('groups.licensesTab')}>
      <MessageBar intent="info">
        <MessageBarBody>{t('groups.directMembersOnly')}</MessageBarBody>
      </MessageBar>
      <Toolbar aria-label={t('groups.licensesTab')}>
        <ToolbarButton appearance="subtle" icon={<KeyMultipleRegular />} disabled={!canAssign} title={canAssign ? undefined : t('groups.needsLicenseRole')} onClick={() => setAssignOpen(true)}>
          {t('groups.assignLicenses')}
        </ToolbarButton>
      </Toolbar>
      <ChangeOutcome change={change} />
      {group.licenseProcessingState?.state === undefined ? null : <Text>{t('groups.processingState', { state: processingStateLabel(group.licenseProcessingState.state, t) })}</Text>}
      {products.state.status === 'error' ? <ErrorBar error={products.state.error} onRetry={products.reload} /> : null}
      {held.state.status === 'loading' ? <Loading /> : null}
      {held.state.status === 'error' ? <ErrorBar error={held.state.error} onRetry={held.reload} /> : null}
      {held.state.status === 'done' && licenses.length === 0 ? <Text className={styles.empty}>{t('groups.noLicenses')}</Text> : null}
      {licenses.length > 0 ? (
        <Table aria-label={t('groups.licensesTable', { group: group.displayName })}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{t('licenses.product')}</TableHeaderCell>
              <TableHeaderCell>{t('groups.servicesOff')}</TableHeaderCell>
              <TableHeaderCell>{t('licenses.available')}</TableHeaderCell>
              <TableHeaderCell>{t('groups.waitlist')}</TableHeaderCell>
              <TableHeaderCell>{t('groups.actions')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {licenses.map((license) => {
              const product = productOf(license.skuId);
              const productName = product?.displayName ?? license.skuId;
              return (
                <TableRow key={license.skuId} data-sku={product?.skuPartNumber ?? license.skuId}>
                  <TableCell>
                    <Link href={productPath(license.skuId)} onClick={(event) => followLink(event, productPath(license.skuId))}>
                      {productName}
                    </Link>
                  </TableCell>
                  <TableCell>{license.disabledPlans.length === 0 ? t('groups.allServicesOn') : formatNumber(license.disabledPlans.length)}</TableCell>
                  <TableCell>{product === undefined ? '' : formatNumber(product.available)}</TableCell>
                  <TableCell>
                    <Switch
                      aria-label={t('groups.waitlistFor', { product: productName })}
                      checked={license.waitlist}
                      disabled={!canAssign}
                      title={canAssign ? undefined : t('groups.needsLicenseRole')}
                      label={license.waitlist ? t('groups.on') : t('groups.off')}
                      onChange={(_event, data) =>
                        void changeLicenses(() => client.setGroupLicenseWaitlist(group.id, license.skuId, data.checked), data.checked ? t('groups.waitlistOn', { product: productName }) : t('groups.waitlistOff', { product: productName }))
                      }
                    />
                  </TableCell>
                  <TableCell>
                    <Button appearance="subtle" size="small" icon={<DeleteRegular />} disabled={!canAssign} title={canAssign ? undefined : t('groups.needsLicenseRole')} onClick={() => setRemoving({ skuId: license.skuId, productName })}>
                      {t('groups.removeLicense')}
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      ) : null}
      <Text size={200}>{t('groups.waitlistHint')}</Text>
      {removing === undefined ? null : (
        <ConfirmDialog
          title={t('groups.removeLicenseTitle', { product: removing.productName })}
          body={t('groups.removeLicenseBody', { product: removing.productName, group: group.displayName })}
          confirmLabel={t('groups.removeLicense')}
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => {
            await client.assignGroupLicense(group.id, { addLicenses: [], removeLicenses: [removing.skuId] });
            setRemoving(undefined);
            change.setNotice(t('groups.licenseRemoved', { product: removing.productName }));
            held.reload();
            onChanged();
          }}
        />
      )}
      {products.state.status === 'done' ? (
        <GroupLicenseDrawer
          open={isAssignOpen}
          group={group}
          products={products.state.data}
          onClose={() => setAssignOpen(false)}
          onAssigned={(productName) => {
            setAssignOpen(false);
            change.setNotice(t('groups.licenseAssigned', { product: productName }));
            onChanged();
          }}
        />
      ) : null}
    </Surface>
  );
}

function ErrorsTab({ group }: { group: Group }) {
  const { t } = useI18n();
  const { client, session } = useSession();
  const members = useAsync(() => client.membersWithLicenseErrors(group.id), `license-errors:${group.id}`);
  const products = useAsync(() => client.listProducts(), 'products');
  const change = useChange();
  const canAssign = session.allowedActions.includes('licenses.assign');
  const productName = (skuId: string) => (products.state.status === 'done' ? (products.state.data.find((product) => product.skuId === skuId)?.displayName ?? skuId) : skuId);

  const reprocess = () =>
    change.run(async () => {
      const outcome = reprocessOutcome(await client.reprocessGroup(group.id), t);
      members.reload();
      return outcome;
    });

  return (
    <Surface roomy aria-label={t('groups.errorsTab')}>
      <Toolbar aria-label={t('groups.errorsTab')}>
        <ToolbarButton appearance="subtle" icon={<ArrowSyncRegular />} disabled={change.isBusy || !canAssign} title={canAssign ? undefined : t('groups.needsLicenseRole')} onClick={() => void reprocess()}>
          {t('groups.reprocess')}
        </ToolbarButton>
        <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={members.reload}>
          {t('common.refresh')}
        </ToolbarButton>
      </Toolbar>
      <ChangeOutcome change={change} />
      <AsyncList source={members} empty={t('groups.noErrors')}>
        {(rows) => (
          <Table aria-label={t('groups.errorsTable', { group: group.displayName })}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('groups.name')}</TableHeaderCell>
                <TableHeaderCell>{t('product.userPrincipalName')}</TableHeaderCell>
                <TableHeaderCell>{t('groups.licenseError')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((member) => (
                <TableRow key={member.id}>
                  <TableCell>{member.displayName}</TableCell>
                  <TableCell>{member.userPrincipalName}</TableCell>
                  <TableCell>
                    {(member.licenseAssignmentStates ?? [])
                      .filter((state) => state.assignedByGroup === group.id && state.error !== 'None')
                      .map((state) => `${productName(state.skuId)}: ${explainError(state.error, t)}`)
                      .join('; ')}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </AsyncList>
    </Surface>
  );
}

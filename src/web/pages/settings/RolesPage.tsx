import {
  Button,
  DrawerBody,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, DeleteRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { RoleAssignment, RoleDefinition } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { PageHeader } from '../../components/PageHeader.js';
import { SidePanel } from '../../components/SidePanel.js';
import { Surface } from '../../components/Surface.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import type { MessageKey } from '../../i18n/messages-en.js';
import { useAsync } from '../../lib/use-async.js';
import { useChange } from '../../lib/use-change.js';
import { UserPicker } from '../groups/UserPicker.js';
import { AccessNotice } from './AccessNotice.js';

const useStyles = makeStyles({
  roleColumn: { width: '26%' },
  countColumn: { width: '16%' },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, paddingBottom: tokens.spacingVerticalXXL },
  hint: { color: tokens.colorNeutralForeground2 },
  empty: { display: 'block', padding: tokens.spacingVerticalM },
  nameColumn: { width: '30%' },
  actionsColumn: { width: '72px' },
  wrap: { overflowWrap: 'anywhere' },
});

/** The built-in roles by template id (Entra's, fixed), in the admin center's words; a role not listed shows as the API names it. */
const ROLE_TEXT: Record<string, { name: MessageKey; description: MessageKey }> = {
  '62e90394-69f5-4237-9190-012177145e10': { name: 'roles.globalAdministrator', description: 'roles.globalAdministratorDescription' },
  '4d6ac14f-3453-41d0-bef9-a3e0c569773a': { name: 'roles.licenseAdministrator', description: 'roles.licenseAdministratorDescription' },
  'fe930be7-5e62-47db-91af-98c3a49a38b1': { name: 'roles.userAdministrator', description: 'roles.userAdministratorDescription' },
  'b0f54661-2d74-4c50-afa3-1ec803f12efe': { name: 'roles.billingAdministrator', description: 'roles.billingAdministratorDescription' },
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': { name: 'roles.globalReader', description: 'roles.globalReaderDescription' },
  '95e79109-95c0-4d8e-aee3-d01accf2d47b': { name: 'roles.guestInviter', description: 'roles.guestInviterDescription' },
};

const roleName = (role: RoleDefinition, t: Translate): string => {
  const text = ROLE_TEXT[role.id];
  return text === undefined ? role.displayName : t(text.name);
};
const roleDescription = (role: RoleDefinition, t: Translate): string => {
  const text = ROLE_TEXT[role.id];
  return text === undefined ? role.description : t(text.description);
};

/** Graph's `id in (…)` takes at most 15 values: names are read 15 ids at a time. */
const NAME_BATCH = 15;

interface Admin {
  assignmentId: string;
  userId: string;
  displayName: string | undefined;
  userPrincipalName: string | undefined;
}

/**
 * Settings › Roles, as the Microsoft 365 admin center's Role assignments: each role with what it
 * allows and how many admins hold it; a role's admins in a panel, to add and remove. Only a Global
 * Administrator changes roles; the API keeps the last Global Administrator and says so.
 */
export function RolesPage() {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client, session } = useSession();
  const canRead = session.allowedActions.includes('roles.read');
  const canManage = session.allowedActions.includes('roles.manage');
  const data = useAsync(async () => {
    if (!canRead) {
      return undefined;
    }
    const [roles, assignments] = await Promise.all([client.listRoleDefinitions(), client.listRoleAssignments()]);
    return { roles, assignments };
  }, 'roles');
  const [openRoleId, setOpenRoleId] = useState<string>();
  const loaded = data.state.status === 'done' ? data.state.data : undefined;
  const openRole = loaded?.roles.find((role) => role.id === openRoleId);
  const assignmentsOf = (roleId: string): RoleAssignment[] => loaded?.assignments.filter((assignment) => assignment.roleDefinitionId === roleId) ?? [];

  return (
    <>
      <PageHeader title={t('roles.title')} subtitle={t('roles.subtitle')} />
      <AccessNotice canRead={canRead} canManage={canManage} readReason={t('roles.needsReadRole')} manageReason={t('roles.needsGlobalAdmin')} />
      {canRead ? (
        <Surface aria-label={t('roles.table')}>
          <Toolbar aria-label={t('roles.table')}>
            <ToolbarButton appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={data.reload}>
              {t('common.refresh')}
            </ToolbarButton>
          </Toolbar>
          {data.state.status === 'loading' ? <Loading /> : null}
          {data.state.status === 'error' ? <ErrorBar error={data.state.error} onRetry={data.reload} /> : null}
          {loaded !== undefined && loaded.roles.length === 0 ? <Text className={styles.empty}>{t('roles.empty')}</Text> : null}
          {loaded !== undefined && loaded.roles.length > 0 ? (
            <Table aria-label={t('roles.table')}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={styles.roleColumn}>{t('roles.role')}</TableHeaderCell>
                  <TableHeaderCell>{t('roles.description')}</TableHeaderCell>
                  <TableHeaderCell className={styles.countColumn}>{t('roles.assignedAdmins')}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {loaded.roles.map((role) => (
                  <TableRow key={role.id} data-role={role.displayName}>
                    <TableCell>
                      <Link as="button" onClick={() => setOpenRoleId(role.id)} aria-label={t('roles.openRole', { role: roleName(role, t) })}>
                        {roleName(role, t)}
                      </Link>
                    </TableCell>
                    <TableCell>{roleDescription(role, t)}</TableCell>
                    <TableCell data-column="assigned">{formatNumber(assignmentsOf(role.id).length)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
        </Surface>
      ) : null}
      {openRole === undefined ? null : (
        <RolePanel key={openRole.id} role={openRole} assignments={assignmentsOf(openRole.id)} canManage={canManage} onChanged={data.reload} onClose={() => setOpenRoleId(undefined)} />
      )}
    </>
  );
}

interface PanelProps {
  role: RoleDefinition;
  assignments: RoleAssignment[];
  canManage: boolean;
  onChanged: () => void;
  onClose: () => void;
}

/** One role: what it allows and its assigned admins; add an admin with the people picker, remove one after a confirmation. */
function RolePanel({ role, assignments, canManage, onChanged, onClose }: PanelProps) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const change = useChange();
  const [removing, setRemoving] = useState<Admin>();
  const name = roleName(role, t);
  const userIds = [...new Set(assignments.map((assignment) => assignment.principalId))].sort();
  const users = useAsync(async () => {
    const batches: string[][] = [];
    for (let start = 0; start < userIds.length; start += NAME_BATCH) {
      batches.push(userIds.slice(start, start + NAME_BATCH));
    }
    return (await Promise.all(batches.map((batch) => client.usersByIds(batch)))).flat();
  }, `role-users:${userIds.join(',')}`);
  const found = users.state.status === 'done' ? users.state.data : [];
  const admins: Admin[] = assignments
    .map((assignment) => {
      const user = found.find((candidate) => candidate.id === assignment.principalId);
      return { assignmentId: assignment.id, userId: assignment.principalId, displayName: user?.displayName, userPrincipalName: user?.userPrincipalName };
    })
    .sort((a, b) => (a.displayName ?? a.userId).localeCompare(b.displayName ?? b.userId));
  const denied = canManage ? undefined : t('roles.needsGlobalAdmin');

  const assign = (userId: string, displayName: string) =>
    change.run(async () => {
      await client.assignRole(userId, role.id);
      onChanged();
      return t('roles.assigned', { name: displayName, role: name });
    });

  return (
    <SidePanel size="medium" title={name} header=<Text className={styles.hint}>{roleDescription(role, t)}</Text> onClose={onClose}>
      <DrawerBody className={styles.body}>
        <Text as="h2" weight="semibold" size={400}>
          {t('roles.assignedCount', { count: assignments.length })}
        </Text>
        {canManage ? null : (
          <MessageBar intent="info">
            <MessageBarBody>{t('roles.needsGlobalAdmin')}</MessageBarBody>
          </MessageBar>
        )}
        <UserPicker label={t('roles.addAdmin')} disabled={!canManage || change.isBusy} onPick={(user) => void assign(user.id, user.displayName)} />
        <ChangeOutcome change={change} />
        {users.state.status === 'loading' ? <Loading /> : null}
        {users.state.status === 'error' ? <ErrorBar error={users.state.error} onRetry={users.reload} /> : null}
        {assignments.length === 0 ? <Text className={styles.empty}>{t('roles.noAdmins')}</Text> : null}
        {users.state.status === 'done' && admins.length > 0 ? (
          <Table size="small" aria-label={t('roles.adminsTable', { role: name })}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.nameColumn}>{t('roles.name')}</TableHeaderCell>
                <TableHeaderCell>{t('roles.username')}</TableHeaderCell>
                <TableHeaderCell className={styles.actionsColumn}>{t('roles.actions')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {admins.map((admin) => (
                <TableRow key={admin.assignmentId}>
                  <TableCell>{admin.displayName ?? t('roles.unknownUser')}</TableCell>
                  <TableCell className={styles.wrap}>{admin.userPrincipalName ?? admin.userId}</TableCell>
                  <TableCell>
                    <Button
                      appearance="subtle"
                      size="small"
                      icon={<DeleteRegular />}
                      disabled={!canManage}
                      title={denied}
                      aria-label={t('roles.remove', { name: admin.displayName ?? admin.userId, role: name })}
                      onClick={() => {
                        change.clear();
                        setRemoving(admin);
                      }}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </DrawerBody>
      {removing === undefined ? null : (
        <ConfirmDialog
          title={t('roles.removeTitle')}
          body={t('roles.removeBody', { name: removing.displayName ?? removing.userId, role: name })}
          confirmLabel={t('roles.removeConfirm')}
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => {
            await client.removeRoleAssignment(removing.assignmentId);
            setRemoving(undefined);
            change.setNotice(t('roles.removed', { name: removing.displayName ?? removing.userId, role: name }));
            onChanged();
          }}
        />
      )}
    </SidePanel>
  );
}

import {
  Badge,
  Checkbox,
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
import { ArrowDownloadRegular, PersonDeleteRegular, SettingsRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { InactiveHolder, ProductSettings, ReclaimReport } from '../../../client/reports.js';
import { followLink } from '../../app/router.js';
import { groupPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Pager } from '../../components/Pager.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { ReclaimSettingsDialog } from './ReclaimSettingsDialog.js';
import { ReclaimUnassignDialog } from './ReclaimUnassignDialog.js';

export const RECLAIM_PAGE_SIZE = 50;

const useStyles = makeStyles({
  heading: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  title: { margin: 0 },
  hint: { color: tokens.colorNeutralForeground2 },
  facts: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXL, color: tokens.colorNeutralForeground2 },
  commandBar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  checkColumn: { width: '44px' },
  nameColumn: { width: '20%' },
  userColumn: { width: '27%' },
  dateColumn: { width: '13%' },
  freesColumn: { width: '13%' },
  sources: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  empty: { padding: tokens.spacingVerticalM, display: 'block' },
});

/** Unassigning here removes the direct assignment; a group's or a self-service purchase's seat stays where it comes from. */
const isSelectable = (holder: InactiveHolder): boolean => holder.source.assignedDirectly && !holder.source.selfService;

/** Saves a downloaded body as a file through a temporary link. */
function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The download has its own copy once started; the next turn is late enough to let go of the URL.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

interface Props {
  product: ProductSettings;
  /** The first page, loaded with the others by the page (its totals feed the summary). */
  first: ReclaimReport;
  days: number | undefined;
  /** Changes when the page refreshes, so a later page is read again too. */
  generation: number;
  /** The product's totals in one line (the page's summary shows them when one product is chosen). */
  showTotals: boolean;
  onChanged: (message: string) => void;
}

/** One product of the Reclaim report: its inactive holders (paged), with Unassign, Export and the product's reclaim settings. */
export function ReclaimSection({ product, first, days, generation, showTotals, onChanged }: Props) {
  const styles = useStyles();
  const { t, formatDate, formatMoney } = useI18n();
  const { client, session } = useSession();
  const pages = usePageTokens();
  const [selected, setSelected] = useState<Map<string, InactiveHolder>>(new Map());
  const [isUnassignOpen, setUnassignOpen] = useState(false);
  const [isSettingsOpen, setSettingsOpen] = useState(false);
  const [isExporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();
  const token = pages.pageToken;
  const later = useAsync(
    async () => (token === undefined ? undefined : client.reclaimReport(product.skuId, { top: RECLAIM_PAGE_SIZE, skiptoken: token, ...(days === undefined ? {} : { days }) })),
    `reclaim-page:${product.skuId}:${days ?? ''}:${token ?? ''}:${generation}`,
  );
  const report = token === undefined ? first : later.state.status === 'done' ? later.state.data : undefined;
  const totals = first.totals;

  const assignReason = session.allowedActions.includes('licenses.assign') ? undefined : t('reclaim.noAssignRole');
  const settingsReason = session.allowedActions.includes('subscriptions.manage') ? undefined : t('reclaim.noSettingsRole');
  const titleId = `reclaim-${product.skuId}`;
  const reasonId = `reclaim-reason-${product.skuId}`;

  const toggle = (holder: InactiveHolder, isChecked: boolean) => {
    const next = new Map(selected);
    if (isChecked) {
      next.set(holder.id, holder);
    } else {
      next.delete(holder.id);
    }
    setSelected(next);
  };
  const selectable = report?.value.filter(isSelectable) ?? [];
  const selectedHere = selectable.filter((holder) => selected.has(holder.id)).length;
  const toggleAll = (isChecked: boolean) => {
    const next = new Map(selected);
    for (const holder of selectable) {
      if (isChecked) {
        next.set(holder.id, holder);
      } else {
        next.delete(holder.id);
      }
    }
    setSelected(next);
  };

  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      saveFile(await client.reclaimCsv(product.skuId, days), `reclaim-${product.skuPartNumber}-${first.days}-days.csv`);
    } catch (caught) {
      setExportError(caught);
    } finally {
      setExporting(false);
    }
  };

  const sourceOf = (holder: InactiveHolder) => (
    <span className={styles.sources}>
      {holder.source.assignedDirectly ? <Text>{t('reclaim.sourceDirect')}</Text> : null}
      {holder.source.inheritedFrom.map((group) => (
        <Text key={group.id}>
          {t('reclaim.sourceGroup')}{' '}
          <Link href={groupPath(group.id)} onClick={(event) => followLink(event, groupPath(group.id))}>
            {group.displayName}
          </Link>
        </Text>
      ))}
      {holder.source.selfService ? (
        <Badge appearance="tint" color="warning">
          {t('reclaim.sourceSelfService')}
        </Badge>
      ) : null}
    </span>
  );

  return (
    <Surface aria-labelledby={titleId} data-sku={product.skuPartNumber}>
      <div className={styles.heading}>
        <Text as="h2" id={titleId} size={500} weight="semibold" className={styles.title}>
          {product.displayName}
        </Text>
        <Text className={styles.hint}>{t('reclaim.window', { days: first.days, date: formatDate(first.inactiveSinceDateTime) })}</Text>
      </div>
      {showTotals ? (
        <div className={styles.facts}>
          <Text>{t('reclaim.inactiveCount', { count: totals.inactiveUsers })}</Text>
          <Text>{t('reclaim.seatsCount', { count: totals.seatsFreed })}</Text>
          <Text>{totals.monthlyCost === null ? t('reclaim.noPrice') : t('reclaim.perMonth', { amount: formatMoney(totals.monthlyCost.amount, totals.monthlyCost.currency) })}</Text>
        </div>
      ) : null}
      {totals.keptBySource === 0 ? null : (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>{t('reclaim.keptBySource', { count: totals.keptBySource, product: product.displayName })}</MessageBarBody>
        </MessageBar>
      )}
      {assignReason === undefined ? null : (
        <MessageBar intent="info" id={reasonId}>
          <MessageBarBody>{assignReason}</MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.commandBar}>
        <Toolbar aria-label={t('reclaim.actionsOf', { product: product.displayName })}>
          <ToolbarButton
            appearance="subtle"
            icon={<PersonDeleteRegular />}
            disabled={selected.size === 0 || assignReason !== undefined}
            title={assignReason ?? (selected.size === 0 ? t('reclaim.selectFirst') : undefined)}
            aria-describedby={assignReason === undefined ? undefined : reasonId}
            onClick={() => setUnassignOpen(true)}
          >
            {t('reclaim.unassign')}
          </ToolbarButton>
          <ToolbarButton appearance="subtle" icon={<ArrowDownloadRegular />} disabled={isExporting || totals.inactiveUsers === 0} onClick={() => void exportCsv()}>
            {isExporting ? t('reclaim.exporting') : t('reclaim.export')}
          </ToolbarButton>
          <ToolbarButton appearance="subtle" icon={<SettingsRegular />} onClick={() => setSettingsOpen(true)}>
            {t('reclaim.settings')}
          </ToolbarButton>
        </Toolbar>
        {selected.size === 0 ? null : <Text className={styles.hint}>{t('reclaim.selected', { count: selected.size })}</Text>}
      </div>
      {exportError === undefined ? null : <ErrorBar error={exportError} />}
      {report === undefined && later.state.status === 'loading' ? <Loading /> : null}
      {later.state.status === 'error' ? <ErrorBar error={later.state.error} onRetry={later.reload} /> : null}
      {report !== undefined && report.value.length === 0 ? <Text className={styles.empty}>{t('reclaim.empty', { days: first.days })}</Text> : null}
      {report !== undefined && report.value.length > 0 ? (
        <Table aria-label={t('reclaim.table', { product: product.displayName })}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.checkColumn}>
                <Checkbox
                  aria-label={t('reclaim.selectAll')}
                  disabled={selectable.length === 0 || assignReason !== undefined}
                  checked={selectedHere === 0 ? false : selectedHere === selectable.length ? true : 'mixed'}
                  onChange={(_event, data) => toggleAll(data.checked === true)}
                />
              </TableHeaderCell>
              <TableHeaderCell className={styles.nameColumn}>{t('reclaim.name')}</TableHeaderCell>
              <TableHeaderCell className={styles.userColumn}>{t('reclaim.username')}</TableHeaderCell>
              <TableHeaderCell className={styles.dateColumn}>{t('reclaim.lastActivity')}</TableHeaderCell>
              <TableHeaderCell>{t('reclaim.source')}</TableHeaderCell>
              <TableHeaderCell className={styles.freesColumn}>{t('reclaim.freesLicense')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {report.value.map((holder) => (
              <TableRow key={holder.id} data-user={holder.id}>
                <TableCell>
                  {isSelectable(holder) ? (
                    <Checkbox
                      aria-label={t('reclaim.selectRow', { name: holder.displayName })}
                      disabled={assignReason !== undefined}
                      checked={selected.has(holder.id)}
                      onChange={(_event, data) => toggle(holder, data.checked === true)}
                    />
                  ) : (
                    <Checkbox aria-label={t('reclaim.notSelectable', { name: holder.displayName })} disabled checked={false} />
                  )}
                </TableCell>
                <TableCell>{holder.displayName}</TableCell>
                <TableCell>{holder.userPrincipalName}</TableCell>
                <TableCell>{holder.lastActivityDateTime === null ? t('reclaim.never') : formatDate(holder.lastActivityDateTime)}</TableCell>
                <TableCell>{sourceOf(holder)}</TableCell>
                <TableCell>{holder.source.freesSeat ? t('reclaim.yes') : t('reclaim.no')}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {report === undefined ? null : (
        <Pager pages={pages} nextToken={report.skiptoken} label={t('reclaim.pages', { product: product.displayName })} pageCount={Math.max(1, Math.ceil(totals.inactiveUsers / RECLAIM_PAGE_SIZE))} />
      )}
      {isUnassignOpen ? (
        <ReclaimUnassignDialog
          product={product}
          days={days}
          users={[...selected.values()]}
          onClose={() => setUnassignOpen(false)}
          onDone={(message) => {
            setUnassignOpen(false);
            setSelected(new Map());
            pages.restart();
            onChanged(message);
          }}
        />
      ) : null}
      {isSettingsOpen ? (
        <ReclaimSettingsDialog
          product={product}
          deniedReason={settingsReason}
          onClose={() => setSettingsOpen(false)}
          onSaved={(message) => {
            setSettingsOpen(false);
            onChanged(message);
          }}
        />
      ) : null}
    </Surface>
  );
}

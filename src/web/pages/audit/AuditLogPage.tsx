import {
  Button,
  Dropdown,
  Field,
  Input,
  Link,
  makeStyles,
  Option,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, FilterRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { AuditEntry, AuditFilter } from '../../../client/billing-groups.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { Pager } from '../../components/Pager.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { auditResultLabel } from './audit-text.js';
import { useAsync } from '../../lib/use-async.js';
import { usePageTokens } from '../../lib/use-page-tokens.js';
import { AuditDetailsDrawer } from './AuditDetailsDrawer.js';

/** The categories Allot writes (the audit log's filter offers them; the API filters exactly). */
const CATEGORIES = ['UserManagement', 'GroupManagement', 'SubscriptionManagement', 'RoleManagement', 'ApplicationManagement', 'DirectoryManagement', 'CatalogueManagement', 'KeyManagement', 'WebhookManagement', 'Authentication'];

const useStyles = makeStyles({
  filters: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', gridColumn: 'span 2' },
  dropdown: { minWidth: 0, width: '100%' },
  wrap: { overflowWrap: 'anywhere' },
  empty: { display: 'block', padding: tokens.spacingVerticalL },
  when: { whiteSpace: 'nowrap' },
});

interface FilterForm {
  activity: string;
  category: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}

const EMPTY: FilterForm = { activity: '', category: '', actor: '', target: '', from: '', to: '' };

/** A date input (yyyy-mm-dd, the local day) as the API's ISO time: the day's start, or for `to` the next day's start. */
const dayStart = (day: string, plusDays = 0): string | undefined => {
  if (day === '') {
    return undefined;
  }
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + plusDays);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

const toFilter = (form: FilterForm): AuditFilter => {
  const filter: AuditFilter = {};
  for (const key of ['activity', 'category', 'actor', 'target'] as const) {
    const value = form[key].trim();
    if (value !== '') {
      filter[key] = value;
    }
  }
  const from = dayStart(form.from);
  const to = dayStart(form.to, 1);
  return { ...filter, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
};

/** Audit log: who did what to which object, newest first, filtered and keyset-paged, with each entry's changes. */
export function AuditLogPage() {
  const styles = useStyles();
  const { t, language } = useI18n();
  const { client } = useSession();
  const [form, setForm] = useState<FilterForm>(EMPTY);
  const [applied, setApplied] = useState<AuditFilter>({});
  const pages = usePageTokens();
  const [open, setOpen] = useState<AuditEntry>();
  const { state, reload } = useAsync(() => client.listAudit(applied, pages.pageToken), `audit:${JSON.stringify(applied)}:${pages.pageToken ?? ''}`);
  const page = state.status === 'done' ? state.data : undefined;
  const dateTime = new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-US', { dateStyle: 'medium', timeStyle: 'medium' });

  const apply = (next: FilterForm) => {
    setForm(next);
    setApplied(toFilter(next));
    pages.restart();
  };
  const field = (key: keyof FilterForm) => ({ value: form[key], onChange: (_event: unknown, data: { value: string }) => setForm({ ...form, [key]: data.value }) });

  return (
    <>
      <PageHeader title={t('audit.title')} subtitle={t('audit.subtitle')} />
      <Surface roomy aria-label={t('audit.entries')}>
        <form
          className={styles.filters}
          aria-label={t('audit.filters')}
          onSubmit={(event) => {
            event.preventDefault();
            apply(form);
          }}
        >
          <Field label={t('audit.activity')}>
            <Input {...field('activity')} placeholder={t('audit.activityPlaceholder')} />
          </Field>
          <Field label={t('audit.category')}>
            <Dropdown className={styles.dropdown} value={form.category === '' ? t('audit.allCategories') : form.category} selectedOptions={[form.category]} onOptionSelect={(_event, data) => setForm({ ...form, category: data.optionValue ?? '' })}>
              <Option value="">{t('audit.allCategories')}</Option>
              {CATEGORIES.map((category) => (
                <Option key={category} value={category}>
                  {category}
                </Option>
              ))}
            </Dropdown>
          </Field>
          <Field label={t('audit.actor')}>
            <Input {...field('actor')} placeholder={t('audit.idPlaceholder')} />
          </Field>
          <Field label={t('audit.target')}>
            <Input {...field('target')} placeholder={t('audit.idPlaceholder')} />
          </Field>
          <Field label={t('audit.from')}>
            <Input type="date" {...field('from')} />
          </Field>
          <Field label={t('audit.to')}>
            <Input type="date" {...field('to')} />
          </Field>
          <div className={styles.actions}>
            <Button type="submit" appearance="primary" icon={<FilterRegular />}>
              {t('audit.apply')}
            </Button>
            <Button onClick={() => apply(EMPTY)}>{t('audit.clear')}</Button>
            <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
              {t('common.refresh')}
            </Button>
          </div>
        </form>
        {state.status === 'loading' ? <Loading /> : null}
        {state.status === 'error' ? <ErrorBar error={state.error} onRetry={reload} /> : null}
        {page !== undefined && page.value.length === 0 ? <Text className={styles.empty}>{t('audit.empty')}</Text> : null}
        {page !== undefined && page.value.length > 0 ? (
          <Table aria-label={t('audit.entries')} size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('audit.date')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.activity')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.category')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.actor')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.target')}</TableHeaderCell>
                <TableHeaderCell>{t('audit.result')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.value.map((entry) => (
                <TableRow key={entry.id} data-activity={entry.activityDisplayName}>
                  <TableCell className={styles.when}>{dateTime.format(new Date(entry.activityDateTime))}</TableCell>
                  <TableCell>
                    <Link as="button" onClick={() => setOpen(entry)} aria-label={t('audit.openDetails', { activity: entry.activityDisplayName, target: entry.target.displayName })}>
                      {entry.activityDisplayName}
                    </Link>
                  </TableCell>
                  <TableCell>{entry.category}</TableCell>
                  <TableCell className={styles.wrap}>{entry.initiatedBy.displayName}</TableCell>
                  <TableCell className={styles.wrap}>{entry.target.displayName}</TableCell>
                  <TableCell>{auditResultLabel(entry.result, t)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
        {page === undefined ? null : <Pager pages={pages} nextToken={page.skiptoken} label={t('audit.paging')} />}
      </Surface>
      {open === undefined ? null : (
        <AuditDetailsDrawer
          entry={open}
          onClose={() => setOpen(undefined)}
          onFilter={(next) => {
            setOpen(undefined);
            apply({ ...EMPTY, ...next });
          }}
        />
      )}
    </>
  );
}

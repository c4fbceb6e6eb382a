import { DrawerBody, Link, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import type { AuditEntry } from '../../../client/billing-groups.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { auditResultLabel } from './audit-text.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  term: { color: tokens.colorNeutralForeground2 },
  heading: { display: 'block', marginBottom: tokens.spacingVerticalS },
  value: { margin: 0, overflowWrap: 'anywhere' },
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', margin: 0 },
  json: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', backgroundColor: tokens.colorNeutralBackground3, padding: tokens.spacingHorizontalS, borderRadius: tokens.borderRadiusMedium, maxHeight: '320px', overflow: 'auto', margin: 0 },
});

const show = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 1));

/** An audit entry: who, what, when, from where, and each changed property with its old and new value. */
export function AuditDetailsDrawer({ entry, onClose, onFilter }: { entry: AuditEntry; onClose: () => void; onFilter: (filter: { actor?: string; target?: string }) => void }) {
  const styles = useStyles();
  const { t, language } = useI18n();
  const when = new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-US', { dateStyle: 'full', timeStyle: 'medium' }).format(new Date(entry.activityDateTime));
  const hasDetails = Object.keys(entry.additionalDetails).length > 0;

  return (
    <SidePanel size="medium" title={entry.activityDisplayName} onClose={onClose}>
      <DrawerBody className={styles.body}>
        <dl className={styles.facts}>
          <dt className={styles.term}>{t('audit.date')}</dt>
          <dd className={styles.value}>{when}</dd>
          <dt className={styles.term}>{t('audit.category')}</dt>
          <dd className={styles.value}>{entry.category}</dd>
          <dt className={styles.term}>{t('audit.result')}</dt>
          <dd className={styles.value}>{auditResultLabel(entry.result, t)}</dd>
          <dt className={styles.term}>{t('audit.actor')}</dt>
          <dd className={styles.value}>
            {entry.initiatedBy.displayName} ({entry.initiatedBy.type}){' '}
            <Link as="button" onClick={() => onFilter({ actor: entry.initiatedBy.id })}>
              {t('audit.filterActor')}
            </Link>
          </dd>
          <dt className={styles.term}>{t('audit.target')}</dt>
          <dd className={styles.value}>
            {entry.target.displayName} ({entry.target.type}){' '}
            <Link as="button" onClick={() => onFilter({ target: entry.target.id })}>
              {t('audit.filterTarget')}
            </Link>
          </dd>
          {entry.clientAddress === null ? null : (
            <>
              <dt className={styles.term}>{t('audit.clientAddress')}</dt>
              <dd className={styles.value}>{entry.clientAddress}</dd>
            </>
          )}
          {entry.requestId === null ? null : (
            <>
              <dt className={styles.term}>{t('audit.requestId')}</dt>
              <dd className={styles.value}>{entry.requestId}</dd>
            </>
          )}
        </dl>
        <section aria-labelledby="audit-changes-title">
          <Text as="h2" id="audit-changes-title" className={styles.heading} weight="semibold" size={400}>
            {t('audit.modifiedProperties')}
          </Text>
          {entry.modifiedProperties.length === 0 ? (
            <Text as="p">{t('audit.noChanges')}</Text>
          ) : (
            <Table size="small" aria-label={t('audit.modifiedProperties')}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>{t('audit.property')}</TableHeaderCell>
                  <TableHeaderCell>{t('audit.oldValue')}</TableHeaderCell>
                  <TableHeaderCell>{t('audit.newValue')}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {entry.modifiedProperties.map((change, index) => (
                  <TableRow key={`${change.displayName}:${index}`}>
                    <TableCell>{change.displayName}</TableCell>
                    <TableCell>
                      <pre className={styles.code}>{show(change.oldValue)}</pre>
                    </TableCell>
                    <TableCell>
                      <pre className={styles.code}>{show(change.newValue)}</pre>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </section>
        {hasDetails ? (
          <section aria-labelledby="audit-more-title">
            <Text as="h2" id="audit-more-title" className={styles.heading} weight="semibold" size={400}>
              {t('audit.additionalDetails')}
            </Text>
            {/* A scrollable region must be reachable by keyboard. */}
            <pre className={styles.json} tabIndex={0} aria-label={t('audit.additionalDetails')}>
              {JSON.stringify(entry.additionalDetails, null, 2)}
            </pre>
          </section>
        ) : null}
      </DrawerBody>
    </SidePanel>
  );
}

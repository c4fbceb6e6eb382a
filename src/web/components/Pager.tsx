import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { ChevronLeftRegular, ChevronRightRegular } from '@fluentui/react-icons';
import { useI18n } from '../i18n/i18n.js';
import type { PageTokens } from '../lib/use-page-tokens.js';

const useStyles = makeStyles({
  pager: { display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground2 },
});

interface Props {
  pages: PageTokens;
  /** The server's token for the page after the shown one; null or undefined on the last page. */
  nextToken: string | null | undefined;
  /** Names what is paged (a page may have several pagers). */
  label: string;
  /** How many pages there are, when the list knows its total. */
  pageCount?: number;
}

/** Previous / Page N / Next under a server-paged list; nothing when everything fits on one page. */
export function Pager({ pages, nextToken, label, pageCount }: Props) {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const next = nextToken ?? undefined;
  if (pages.pageIndex === 0 && next === undefined) {
    return null;
  }
  const page = formatNumber(pages.pageIndex + 1);
  return (
    <nav className={styles.pager} aria-label={label}>
      <Button appearance="subtle" icon={<ChevronLeftRegular />} disabled={pages.pageIndex === 0} onClick={pages.previous}>
        {t('common.previousPage')}
      </Button>
      <Text>{pageCount === undefined ? t('common.page', { page }) : t('common.pageOf', { page, pages: formatNumber(pageCount) })}</Text>
      <Button appearance="subtle" icon={<ChevronRightRegular />} iconPosition="after" disabled={next === undefined} onClick={() => next !== undefined && pages.next(next)}>
        {t('common.nextPage')}
      </Button>
    </nav>
  );
}

import { Badge, Button, Link, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Toolbar } from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { followLink } from '../../app/router.js';
import { productPath } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { AsyncList } from '../../components/AsyncList.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';

const useStyles = makeStyles({
  productColumn: { width: '45%' },
});

/** Billing › Licenses: every product with assigned / available / total summed over its subscriptions. */
export function LicensesPage() {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client } = useSession();
  const { state, reload } = useAsync(() => client.listProducts(), 'products');

  return (
    <>
      <PageHeader title={t('licenses.title')} subtitle={t('licenses.subtitle')} />
      <Surface aria-label={t('licenses.products')}>
        <Toolbar aria-label={t('licenses.products')}>
          <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={reload}>
            {t('common.refresh')}
          </Button>
        </Toolbar>
        <AsyncList source={{ state, reload }} empty={t('licenses.empty')}>
          {(products) => (
            <Table aria-label={t('licenses.productsTable')}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={styles.productColumn}>{t('licenses.product')}</TableHeaderCell>
                  <TableHeaderCell>{t('licenses.available')}</TableHeaderCell>
                  <TableHeaderCell>{t('licenses.assigned')}</TableHeaderCell>
                  <TableHeaderCell>{t('licenses.total')}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {products.map((product) => (
                  <TableRow key={product.skuId} data-sku={product.skuPartNumber}>
                    <TableCell>
                      <Link href={productPath(product.skuId)} onClick={(event) => followLink(event, productPath(product.skuId))}>
                        {product.displayName}
                      </Link>{' '}
                      {product.overAssignedBy > 0 ? (
                        <Badge appearance="tint" color="danger">
                          {t('licenses.overAssigned', { count: product.overAssignedBy })}
                        </Badge>
                      ) : null}
                    </TableCell>
                    <TableCell data-column="available">
                      {formatNumber(product.available)}
                    </TableCell>
                    <TableCell data-column="assigned">
                      {formatNumber(product.assigned)}
                    </TableCell>
                    <TableCell data-column="total">
                      {formatNumber(product.total)}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </AsyncList>
      </Surface>
    </>
  );
}

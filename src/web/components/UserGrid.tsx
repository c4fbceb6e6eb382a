import {
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  makeStyles,
  type TableColumnDefinition,
  type TableColumnSizingOptions,
} from '@fluentui/react-components';
import { useI18n } from '../i18n/i18n.js';

const useStyles = makeStyles({
  // The grid sizes its columns to its own box: a wrapper without padding keeps it inside the surface.
  gridBox: { minWidth: 0, overflowX: 'auto' },
});

interface Props<T> {
  items: T[];
  columns: TableColumnDefinition<T>[];
  columnSizes: TableColumnSizingOptions;
  label: string;
  selectedIds: ReadonlySet<string>;
  /** The ids the grid has selected after a click: its own rows' and those of `selectedIds` it does not show. */
  onSelectionChange: (selectedIds: Set<string>) => void;
}

/** A page of users in a grid with resizable columns and a checkbox per row (named after the user) and for the page. */
export function UserGrid<T extends { id: string; displayName: string }>({ items, columns, columnSizes, label, selectedIds, onSelectionChange }: Props<T>) {
  const styles = useStyles();
  const { t } = useI18n();
  return (
    <div className={styles.gridBox}>
      <DataGrid
        items={items}
        columns={columns}
        getRowId={(user: T) => user.id}
        selectionMode="multiselect"
        selectedItems={selectedIds}
        onSelectionChange={(_event, data) => onSelectionChange(new Set([...data.selectedItems].map(String)))}
        aria-label={label}
        focusMode="composite"
        resizableColumns
        columnSizingOptions={columnSizes}
      >
        <DataGridHeader>
          <DataGridRow selectionCell={{ checkboxIndicator: { 'aria-label': t('users.selectAll') } }}>
            {({ renderHeaderCell }) => <DataGridHeaderCell>{renderHeaderCell()}</DataGridHeaderCell>}
          </DataGridRow>
        </DataGridHeader>
        <DataGridBody<T>>
          {({ item, rowId }) => (
            <DataGridRow<T> key={rowId} selectionCell={{ checkboxIndicator: { 'aria-label': t('users.selectRow', { name: item.displayName }) } }}>
              {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
            </DataGridRow>
          )}
        </DataGridBody>
      </DataGrid>
    </div>
  );
}

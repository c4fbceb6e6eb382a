import { Button, DrawerHeader, DrawerHeaderTitle, makeStyles, OverlayDrawer } from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useId, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';

const useStyles = makeStyles({
  // A title may be a URL or a long name with no spaces.
  title: { overflowWrap: 'anywhere' },
});

interface Props {
  /** A panel mounted only while it shows is open from the start. */
  open?: boolean;
  size: 'small' | 'medium' | 'large';
  /** Names the panel (its dialog's accessible name). */
  title: ReactNode;
  /** Under the title: badges, a description, the step of a wizard. */
  header?: ReactNode;
  onClose: () => void;
  /** The panel's DrawerBody and DrawerFooter. */
  children: ReactNode;
}

/** A panel that slides in from the right, with its title and a Close button; Escape and a click outside close it too. */
export function SidePanel({ open = true, size, title, header, onClose, children }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const titleId = useId();
  return (
    <OverlayDrawer open={open} position="end" size={size} onOpenChange={(_event, data) => !data.open && onClose()} aria-labelledby={titleId}>
      <DrawerHeader>
        <DrawerHeaderTitle id={titleId} className={styles.title} action={<Button appearance="subtle" aria-label={t('common.close')} icon={<DismissRegular />} onClick={onClose} />}>
          {title}
        </DrawerHeaderTitle>
        {header}
      </DrawerHeader>
      {children}
    </OverlayDrawer>
  );
}

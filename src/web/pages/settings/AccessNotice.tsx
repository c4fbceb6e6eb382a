import { makeStyles, MessageBar, MessageBarBody, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  notice: { marginBottom: tokens.spacingVerticalM },
});

interface Props {
  canRead: boolean;
  canManage: boolean;
  /** Why the page shows nothing: no role of the admin reads it. */
  readReason: string;
  /** Why the page changes nothing: the admin's roles only read it. */
  manageReason: string;
}

/** A settings page's word on what the signed-in admin's roles allow there; nothing when they allow everything. */
export function AccessNotice({ canRead, canManage, readReason, manageReason }: Props) {
  const styles = useStyles();
  const reason = !canRead ? readReason : canManage ? undefined : manageReason;
  if (reason === undefined) {
    return null;
  }
  return (
    <MessageBar intent="info" className={styles.notice}>
      <MessageBarBody>{reason}</MessageBarBody>
    </MessageBar>
  );
}

import { Button, Field, Input, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Text, tokens } from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { useRef, useState } from 'react';

const useStyles = makeStyles({
  box: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  value: { flexGrow: 1, fontFamily: tokens.fontFamilyMonospace },
});

export interface SecretOnceTexts {
  title: string;
  warning: string;
  label: string;
  copy: string;
  copied: string;
  /** When the clipboard is not available (a page served over plain HTTP to another host): the value is selected instead. */
  copyFailed: string;
}

/** A secret the API returns once: shown with a copy button and a warning that it will not be shown again. */
export function SecretOnce({ value, texts }: { value: string; texts: SecretOnceTexts }) {
  const styles = useStyles();
  const input = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<'copied' | 'failed'>();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopyState('copied');
    } catch {
      input.current?.select();
      setCopyState('failed');
    }
  };

  return (
    <div className={styles.box} data-testid="secret-once">
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{texts.title}</MessageBarTitle>
          {texts.warning}
        </MessageBarBody>
      </MessageBar>
      <div className={styles.row}>
        <Field label={texts.label} className={styles.value}>
          <Input ref={input} readOnly value={value} className={styles.value} onFocus={(event) => event.target.select()} />
        </Field>
        <Button icon={<CopyRegular />} onClick={() => void copy()}>
          {texts.copy}
        </Button>
      </div>
      <Text role="status">{copyState === undefined ? '' : copyState === 'copied' ? texts.copied : texts.copyFailed}</Text>
    </div>
  );
}

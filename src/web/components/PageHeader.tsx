import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  header: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalL },
  subtitle: { color: tokens.colorNeutralForeground2 },
});

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children?: ReactNode }) {
  const styles = useStyles();
  return (
    <header className={styles.header}>
      {children}
      <Text as="h1" size={700} weight="semibold">
        {title}
      </Text>
      {subtitle === undefined ? null : <Text className={styles.subtitle}>{subtitle}</Text>}
    </header>
  );
}

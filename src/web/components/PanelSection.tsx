import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, borderTop: `1px solid ${tokens.colorNeutralStroke2}`, paddingTop: tokens.spacingVerticalM },
});

/** A titled part of a side panel, set off from the part above by a rule. */
export function PanelSection({ title, children }: { title: string; children: ReactNode }) {
  const styles = useStyles();
  const titleId = useId();
  return (
    <section className={styles.section} aria-labelledby={titleId}>
      <Text as="h2" id={titleId} weight="semibold" size={400}>
        {title}
      </Text>
      {children}
    </section>
  );
}

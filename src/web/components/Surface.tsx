import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import type { ComponentProps } from 'react';

const useStyles = makeStyles({
  surface: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  roomy: { gap: tokens.spacingVerticalM },
});

/** The card a page's content sits on, its parts stacked; `roomy` spaces them wider (forms, cards). */
export function Surface({ roomy = false, className, ...props }: ComponentProps<'section'> & { roomy?: boolean }) {
  const styles = useStyles();
  return <section {...props} className={mergeClasses(styles.surface, roomy && styles.roomy, className)} />;
}

import { Button, Field, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Text, Textarea, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { Group, RulePreview } from '../../../client/billing-groups.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { useI18n } from '../../i18n/i18n.js';

const useStyles = makeStyles({
  surface: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, boxShadow: tokens.shadow4, padding: tokens.spacingHorizontalL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  rule: { fontFamily: tokens.fontFamilyMonospace },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalXL },
});

/** How many names a preview lists (Graph's limit for one `id in (…)` lookup). */
const NAMES_SHOWN = 15;

interface PreviewView extends RulePreview {
  joiningNames: string[];
  leavingNames: string[];
}

/** A dynamic group's rule: edit it, preview who would join and leave (and what it does to licenses), save. */
export function MembershipRuleEditor({ group, onSaved }: { group: Group; onSaved: () => void }) {
  const styles = useStyles();
  const { t, formatNumber } = useI18n();
  const { client, session } = useSession();
  const [rule, setRule] = useState(group.membershipRule ?? '');
  const [preview, setPreview] = useState<PreviewView>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [isBusy, setBusy] = useState(false);
  const canManage = session.allowedActions.includes('groups.manage');

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const namesOf = async (ids: string[]) => (await client.usersByIds(ids)).map((user) => user.displayName);

  const showPreview = () =>
    run(async () => {
      const result = await client.previewMembershipRule(group.id, rule.trim());
      const [joiningNames, leavingNames] = await Promise.all([namesOf(result.joining), namesOf(result.leaving)]);
      setPreview({ ...result, joiningNames, leavingNames });
    });
  const save = () =>
    run(async () => {
      await client.updateGroup(group.id, { membershipRule: rule.trim() });
      setPreview(undefined);
      setNotice(t('groups.ruleSaved'));
      onSaved();
    });

  const names = (list: string[], total: number) => (
    <ul className={styles.list}>
      {list.map((name) => (
        <li key={name}>{name}</li>
      ))}
      {total > NAMES_SHOWN ? <li>{t('groups.andMore', { count: total - NAMES_SHOWN })}</li> : null}
    </ul>
  );

  return (
    <section className={styles.surface} aria-label={t('groups.ruleTab')}>
      <Field label={t('groups.rule')} hint={t('groups.ruleHint')}>
        <Textarea className={styles.rule} value={rule} resize="vertical" onChange={(_event, data) => setRule(data.value)} />
      </Field>
      <div className={styles.actions}>
        <Button disabled={isBusy || rule.trim() === '' || !canManage} title={canManage ? undefined : t('groups.needsGroupsRole')} onClick={() => void showPreview()}>
          {t('groups.previewRule')}
        </Button>
        <Button appearance="primary" disabled={isBusy || rule.trim() === '' || rule.trim() === group.membershipRule || !canManage} title={canManage ? undefined : t('groups.needsGroupsRole')} onClick={() => void save()}>
          {t('groups.saveRule')}
        </Button>
      </div>
      {notice === undefined ? null : (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      {error === undefined ? null : <ErrorBar error={error} />}
      {preview === undefined ? null : (
        <MessageBar intent={preview.failed > 0 ? 'warning' : 'info'} layout="multiline" role="status">
          <MessageBarBody>
            <MessageBarTitle>{t('groups.previewTitle', { joining: preview.joining.length, leaving: preview.leaving.length })}</MessageBarTitle>
            {preview.joining.length > 0 ? (
              <>
                <Text weight="semibold">{t('groups.joining')}</Text>
                {names(preview.joiningNames, preview.joining.length)}
              </>
            ) : null}
            {preview.leaving.length > 0 ? (
              <>
                <Text weight="semibold">{t('groups.leaving')}</Text>
                {names(preview.leavingNames, preview.leaving.length)}
              </>
            ) : null}
            {preview.seatDeltas.length > 0 ? <div>{t('groups.previewSeats', { count: formatNumber(preview.seatDeltas.reduce((sum, delta) => sum + delta.delta, 0)) })}</div> : null}
            {preview.failed > 0 ? <div>{t('groups.previewErrors', { count: preview.failed })}</div> : null}
          </MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}

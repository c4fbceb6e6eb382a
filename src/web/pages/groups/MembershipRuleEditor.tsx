import { Button, Field, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Text, Textarea, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { Group, RulePreview } from '../../../client/billing-groups.js';
import { useSession } from '../../app/session.js';
import { ChangeOutcome } from '../../components/ChangeOutcome.js';
import { Surface } from '../../components/Surface.js';
import { useI18n } from '../../i18n/i18n.js';
import { useChange } from '../../lib/use-change.js';

const useStyles = makeStyles({
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
  const change = useChange();
  const canManage = session.allowedActions.includes('groups.manage');

  const namesOf = async (ids: string[]) => (await client.usersByIds(ids)).map((user) => user.displayName);

  const showPreview = () =>
    change.run(async () => {
      const result = await client.previewMembershipRule(group.id, rule.trim());
      const [joiningNames, leavingNames] = await Promise.all([namesOf(result.joining), namesOf(result.leaving)]);
      setPreview({ ...result, joiningNames, leavingNames });
      return undefined;
    });
  const save = () =>
    change.run(async () => {
      await client.updateGroup(group.id, { membershipRule: rule.trim() });
      setPreview(undefined);
      onSaved();
      return t('groups.ruleSaved');
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
    <Surface roomy aria-label={t('groups.ruleTab')}>
      <Field label={t('groups.rule')} hint={t('groups.ruleHint')}>
        <Textarea className={styles.rule} value={rule} resize="vertical" onChange={(_event, data) => setRule(data.value)} />
      </Field>
      <div className={styles.actions}>
        <Button disabled={change.isBusy || rule.trim() === '' || !canManage} title={canManage ? undefined : t('groups.needsGroupsRole')} onClick={() => void showPreview()}>
          {t('groups.previewRule')}
        </Button>
        <Button appearance="primary" disabled={change.isBusy || rule.trim() === '' || rule.trim() === group.membershipRule || !canManage} title={canManage ? undefined : t('groups.needsGroupsRole')} onClick={() => void save()}>
          {t('groups.saveRule')}
        </Button>
      </div>
      <ChangeOutcome change={change} />
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
    </Surface>
  );
}

import { Button, DrawerBody, DrawerFooter, Field, Input, makeStyles, Radio, RadioGroup, Text, Textarea, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  hint: { color: tokens.colorNeutralForeground2 },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
  rule: { fontFamily: tokens.fontFamilyMonospace },
});

/** The mail alias Graph requires even for a security group, from the name (letters, digits, - . _). */
const aliasOf = (name: string): string => name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '').slice(0, 64) || 'group';

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (groupId: string) => void;
}

/** Add a group: a security or Microsoft 365 group, with assigned members or members by a rule. */
export function CreateGroupDrawer({ open, onClose, onCreated }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'security' | 'microsoft365'>('security');
  const [membership, setMembership] = useState<'assigned' | 'dynamic'>('assigned');
  const [rule, setRule] = useState('');
  const [preview, setPreview] = useState<{ rule: string; matching: number; sample: { id: string; displayName: string }[] }>();
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const close = () => {
    setName('');
    setDescription('');
    setRule('');
    setPreview(undefined);
    setError(undefined);
    onClose();
  };
  const isDynamic = membership === 'dynamic';
  const canCreate = name.trim() !== '' && (!isDynamic || rule.trim() !== '');

  const previewRule = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const found = await client.previewNewMembershipRule(rule.trim());
      setPreview({ rule: rule.trim(), ...found });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const group = await client.createGroup({
        displayName: name.trim(),
        mailNickname: aliasOf(name),
        mailEnabled: kind === 'microsoft365',
        securityEnabled: true,
        groupTypes: [...(kind === 'microsoft365' ? ['Unified'] : []), ...(isDynamic ? ['DynamicMembership'] : [])],
        ...(description.trim() === '' ? {} : { description: description.trim() }),
        ...(isDynamic ? { membershipRule: rule.trim(), membershipRuleProcessingState: 'On' as const } : {}),
      });
      close();
      onCreated(group.id);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel open={open} size="medium" title={t('groups.createTitle')} onClose={close}>
      <DrawerBody className={styles.body}>
        {error === undefined ? null : <ErrorBar error={error} />}
        <Field label={t('groups.type')}>
          <RadioGroup value={kind} onChange={(_event, data) => setKind(data.value === 'microsoft365' ? 'microsoft365' : 'security')}>
            <Radio value="security" label={t('groups.typeSecurity')} />
            <Radio value="microsoft365" label={t('groups.typeMicrosoft365')} />
          </RadioGroup>
        </Field>
        <Field label={t('groups.name')} required>
          <Input value={name} onChange={(_event, data) => setName(data.value)} />
        </Field>
        <Field label={t('groups.description')}>
          <Textarea value={description} onChange={(_event, data) => setDescription(data.value)} />
        </Field>
        <Field label={t('groups.membershipType')}>
          <RadioGroup value={membership} onChange={(_event, data) => setMembership(data.value === 'dynamic' ? 'dynamic' : 'assigned')}>
            <Radio value="assigned" label={t('groups.assignedMembership')} />
            <Radio value="dynamic" label={t('groups.dynamicMembership')} />
          </RadioGroup>
        </Field>
        {isDynamic ? (
          <Field label={t('groups.rule')} hint={t('groups.ruleHint')} required>
            <Textarea className={styles.rule} value={rule} placeholder='(user.department -eq "Sales")' onChange={(_event, data) => setRule(data.value)} />
          </Field>
        ) : (
          <Text className={styles.hint}>{t('groups.addMembersLater')}</Text>
        )}
        {isDynamic ? (
          <div>
            <Button disabled={isBusy || rule.trim() === ''} onClick={() => void previewRule()}>
              {t('groups.previewRule')}
            </Button>
          </div>
        ) : null}
        {isDynamic && preview !== undefined && preview.rule === rule.trim() ? (
          <div role="status" className={styles.body}>
            <Text weight="semibold">{t('groups.newRuleMatches', { count: preview.matching })}</Text>
            {preview.sample.length === 0 ? null : (
              <ul aria-label={t('groups.newRuleSample')}>
                {preview.sample.map((user) => (
                  <li key={user.id}>{user.displayName}</li>
                ))}
              </ul>
            )}
            {preview.matching > preview.sample.length ? <Text className={styles.hint}>{t('groups.newRuleMore', { count: preview.matching - preview.sample.length })}</Text> : null}
          </div>
        ) : null}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || !canCreate} onClick={() => void create()}>
          {isBusy ? t('groups.creating') : t('groups.create')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

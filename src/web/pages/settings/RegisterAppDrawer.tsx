import { Button, Checkbox, DrawerBody, DrawerFooter, Field, Input, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { AppRegistration } from '../../../client/settings.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { describeChoice } from './settings-text.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  hint: { color: tokens.colorNeutralForeground2 },
  choices: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, border: 'none', margin: 0, padding: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, marginBottom: tokens.spacingVerticalXS, padding: 0 },
  choiceName: { fontFamily: tokens.fontFamilyMonospace, display: 'block' },
  choiceDescription: { color: tokens.colorNeutralForeground2, display: 'block' },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
});

interface Props {
  open: boolean;
  onClose: () => void;
  onRegistered: (app: AppRegistration) => void;
}

/** Register an app: its name and the application permissions it gets, chosen from Allot's list with what each allows. */
export function RegisterAppDrawer({ open, onClose, onRegistered }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const choices = useAsync(() => (open ? client.listAppPermissions() : Promise.resolve([])), `app-permissions:${String(open)}`);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const close = () => {
    setName('');
    setChosen(new Set());
    setError(undefined);
    onClose();
  };

  const register = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const app = await client.createApp({ displayName: name.trim(), permissions: [...chosen] });
      setName('');
      setChosen(new Set());
      onRegistered(app);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (permission: string, isChecked: boolean) => {
    const next = new Set(chosen);
    if (isChecked) {
      next.add(permission);
    } else {
      next.delete(permission);
    }
    setChosen(next);
  };

  return (
    <SidePanel open={open} size="medium" title={t('apps.registerTitle')} onClose={close}>
      <DrawerBody className={styles.body}>
        {error === undefined ? null : <ErrorBar error={error} />}
        <Field label={t('apps.name')} required hint={t('apps.nameHint')}>
          <Input value={name} maxLength={256} onChange={(_event, data) => setName(data.value)} />
        </Field>
        <fieldset className={styles.choices}>
          <legend className={styles.legend}>{t('apps.permissions')}</legend>
          <Text className={styles.hint}>{t('apps.permissionsHint')}</Text>
          {choices.state.status === 'loading' ? <Loading /> : null}
          {choices.state.status === 'error' ? <ErrorBar error={choices.state.error} onRetry={choices.reload} /> : null}
          {choices.state.status === 'done'
            ? choices.state.data.map((choice) => (
                <Checkbox
                  key={choice.name}
                  checked={chosen.has(choice.name)}
                  onChange={(_event, data) => toggle(choice.name, data.checked === true)}
                  label={
                    <>
                      <span className={styles.choiceName}>{choice.name}</span>
                      <span className={styles.choiceDescription}>{describeChoice('apps.permission.', choice.name, choice.description, t)}</span>
                    </>
                  }
                />
              ))
            : null}
        </fieldset>
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || name.trim() === ''} onClick={() => void register()}>
          {isBusy ? t('apps.registering') : t('apps.registerSubmit')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

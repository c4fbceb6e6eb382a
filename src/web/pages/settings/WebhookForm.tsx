import { Checkbox, Field, Input, makeStyles, Switch, Text, Textarea, tokens } from '@fluentui/react-components';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { describeChoice } from './settings-text.js';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  hint: { color: tokens.colorNeutralForeground2 },
  choices: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, border: 'none', margin: 0, padding: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, marginBottom: tokens.spacingVerticalXS, padding: 0 },
  choiceName: { fontFamily: tokens.fontFamilyMonospace, display: 'block' },
  choiceDescription: { color: tokens.colorNeutralForeground2, display: 'block' },
});

export interface WebhookFormValue {
  url: string;
  description: string;
  eventTypes: ReadonlySet<string>;
  enabled: boolean;
}

export const isWebhookFormComplete = (value: WebhookFormValue): boolean => value.url.trim() !== '' && value.eventTypes.size > 0;

interface Props {
  value: WebhookFormValue;
  onChange: (next: WebhookFormValue) => void;
  disabled: boolean;
  /** Creation has no switch: a new webhook starts enabled. */
  showEnabled: boolean;
}

/** A webhook's URL, description, event types (Allot's list, with what each means) and, once it exists, whether it is enabled. */
export function WebhookForm({ value, onChange, disabled, showEnabled }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const choices = useAsync(() => client.listEventTypes(), 'event-types');

  const toggle = (type: string, isChecked: boolean) => {
    const next = new Set(value.eventTypes);
    if (isChecked) {
      next.add(type);
    } else {
      next.delete(type);
    }
    onChange({ ...value, eventTypes: next });
  };

  return (
    <div className={styles.form}>
      <Field label={t('webhooks.url')} required hint={t('webhooks.urlHint')}>
        <Input type="url" value={value.url} maxLength={2048} disabled={disabled} placeholder="https://example.com/allot-events" onChange={(_event, data) => onChange({ ...value, url: data.value })} />
      </Field>
      <Field label={t('webhooks.description')}>
        <Textarea value={value.description} maxLength={500} disabled={disabled} onChange={(_event, data) => onChange({ ...value, description: data.value })} />
      </Field>
      <fieldset className={styles.choices}>
        <legend className={styles.legend}>{t('webhooks.events')}</legend>
        <Text className={styles.hint}>{t('webhooks.eventsHint')}</Text>
        {choices.state.status === 'loading' ? <Loading /> : null}
        {choices.state.status === 'error' ? <ErrorBar error={choices.state.error} onRetry={choices.reload} /> : null}
        {choices.state.status === 'done'
          ? choices.state.data.map((choice) => (
              <Checkbox
                key={choice.type}
                checked={value.eventTypes.has(choice.type)}
                disabled={disabled}
                onChange={(_event, data) => toggle(choice.type, data.checked === true)}
                label={
                  <>
                    <span className={styles.choiceName}>{choice.type}</span>
                    <span className={styles.choiceDescription}>{describeChoice('webhooks.event.', choice.type, choice.description, t)}</span>
                  </>
                }
              />
            ))
          : null}
      </fieldset>
      {showEnabled ? (
        <Switch label={t('webhooks.enabledLabel')} checked={value.enabled} disabled={disabled} onChange={(_event, data) => onChange({ ...value, enabled: data.checked })} />
      ) : null}
    </div>
  );
}

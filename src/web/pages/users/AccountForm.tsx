import { Button, Field, Input } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import type { UserDetails } from '../../../client/user-types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { UsageLocationField } from '../../components/UsageLocationField.js';
import { useI18n } from '../../i18n/i18n.js';
import { useUsersStyles } from './users-common.js';

interface Props {
  user: UserDetails;
  onSaved: () => void;
  onCancel: () => void;
}

const EDITABLE = ['displayName', 'givenName', 'surname', 'jobTitle', 'department'] as const;
type EditableText = (typeof EDITABLE)[number];

/** Edit a user's account properties (PATCH /v1.0/users/{id}); only the fields that changed are sent. */
export function AccountForm({ user, onSaved, onCancel }: Props) {
  const styles = useUsersStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [values, setValues] = useState<Record<EditableText, string>>(() => ({
    displayName: user.displayName,
    givenName: user.givenName ?? '',
    surname: user.surname ?? '',
    jobTitle: user.jobTitle ?? '',
    department: user.department ?? '',
  }));
  const [usageLocation, setUsageLocation] = useState(user.usageLocation);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const patch = {
    ...Object.fromEntries(
      EDITABLE.filter((field) => values[field].trim() !== (user[field] ?? '')).map((field) => [field, field === 'displayName' || values[field].trim() !== '' ? values[field].trim() : null]),
    ),
    ...(usageLocation === user.usageLocation ? {} : { usageLocation }),
  };
  const hasChanges = Object.keys(patch).length > 0;
  const displayNameMissing = values.displayName.trim() === '';

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.updateUser(user.id, patch);
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const text = (field: EditableText, label: string, required = false) => (
    <Field label={label} required={required} validationMessage={required && values[field].trim() === '' ? t('users.required') : undefined}>
      <Input value={values[field]} onChange={(_event, data) => setValues({ ...values, [field]: data.value })} />
    </Field>
  );

  return (
    <form className={styles.stack} onSubmit={(event) => void save(event)} aria-label={t('users.editAccount')}>
      {error === undefined ? null : <ErrorBar error={error} />}
      {text('givenName', t('users.firstName'))}
      {text('surname', t('users.lastName'))}
      {text('displayName', t('users.displayName'), true)}
      {text('jobTitle', t('users.jobTitle'))}
      {text('department', t('users.department'))}
      <UsageLocationField label={t('users.usageLocation')} value={usageLocation} onChange={setUsageLocation} hint={t('users.usageLocationHint')} />
      <div className={styles.footer}>
        <Button appearance="primary" type="submit" disabled={!hasChanges || displayNameMissing || isBusy}>
          {isBusy ? t('users.saving') : t('users.saveChanges')}
        </Button>
        <Button onClick={onCancel} disabled={isBusy}>
          {t('common.cancel')}
        </Button>
      </div>
    </form>
  );
}

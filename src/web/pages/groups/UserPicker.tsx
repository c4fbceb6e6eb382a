import { Combobox, Field, Option } from '@fluentui/react-components';
import { useState } from 'react';
import type { DirectoryUser } from '../../../client/types.js';
import { useSession } from '../../app/session.js';
import { useI18n } from '../../i18n/i18n.js';
import { useTypeahead } from '../../lib/use-typeahead.js';

/** A typeahead over /v1.0/users choosing one user; `hint` says why it is disabled, when it is. */
export function UserPicker({ label, onPick, disabled, hint }: { label: string; onPick: (user: DirectoryUser) => void; disabled?: boolean; hint?: string | undefined }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [query, setQuery] = useState('');
  const { options, error } = useTypeahead((words) => client.searchUsers(words), query);

  return (
    <Field label={label} hint={hint} validationMessage={error instanceof Error ? error.message : undefined}>
      <Combobox
        disabled={disabled}
        freeform
        value={query}
        placeholder={t('groups.pickerPlaceholder')}
        onChange={(event) => setQuery(event.target.value)}
        onOptionSelect={(_event, data) => {
          const user = options?.find((candidate) => candidate.id === data.optionValue);
          if (user !== undefined) {
            onPick(user);
            setQuery('');
          }
        }}
      >
        {options === undefined ? (
          <Option disabled value="">
            {t('groups.searching')}
          </Option>
        ) : options.length === 0 ? (
          <Option disabled value="">
            {t('groups.noUsersFound')}
          </Option>
        ) : (
          options.map((user) => (
            <Option key={user.id} value={user.id} text={user.displayName}>
              {`${user.displayName} (${user.userPrincipalName})`}
            </Option>
          ))
        )}
      </Combobox>
    </Field>
  );
}

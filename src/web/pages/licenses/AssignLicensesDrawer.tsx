import {
  Avatar,
  Button,
  DrawerBody,
  DrawerFooter,
  Field,
  makeStyles,
  Tag,
  TagPicker,
  TagPickerControl,
  TagPickerGroup,
  TagPickerInput,
  TagPickerList,
  TagPickerOption,
  Text,
  tokens,
  type TagPickerProps,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { DirectoryUser, ProductOverview } from '../../../client/types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { ServiceSwitches } from '../../components/ServiceSwitches.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n } from '../../i18n/i18n.js';
import { useTypeahead } from '../../lib/use-typeahead.js';

/** The API's limit for one Assign on the Licenses page. */
const MAX_USERS = 20;

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
});

interface Props {
  open: boolean;
  product: ProductOverview;
  onClose: () => void;
  onAssigned: (count: number) => void;
}

/** Assign licenses: a people picker (typeahead over /v1.0/users, up to 20), apps and services toggles, Assign. */
export function AssignLicensesDrawer({ open, product, onClose, onAssigned }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<DirectoryUser[]>([]);
  const [disabledPlans, setDisabledPlans] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const { options, error: searchError } = useTypeahead((words) => client.searchUsers(words), query, open);

  const reset = () => {
    setQuery('');
    setChosen([]);
    setDisabledPlans(new Set());
    setError(undefined);
  };
  const close = () => {
    reset();
    onClose();
  };

  const onOptionSelect: TagPickerProps['onOptionSelect'] = (_event, data) => {
    const known = new Map([...chosen, ...(options ?? [])].map((user) => [user.id, user]));
    const next = data.selectedOptions.flatMap((id) => known.get(id) ?? []);
    if (next.length > MAX_USERS) {
      setError(new Error(t('assign.maxUsers', { max: MAX_USERS })));
      return;
    }
    setError(undefined);
    setChosen(next);
    setQuery('');
  };

  const assign = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.assignProduct(product.skuId, { userIds: chosen.map((user) => user.id), disabledPlans: [...disabledPlans] });
      reset();
      onAssigned(chosen.length);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const unchosen = (options ?? []).filter((option) => !chosen.some((user) => user.id === option.id));

  return (
    <SidePanel open={open} size="medium" title={t('assign.title')} onClose={close}>
      <DrawerBody className={styles.body}>
        <Text>{t('assign.intro', { product: product.displayName, max: MAX_USERS, available: product.available })}</Text>
        {error === undefined ? null : <ErrorBar error={error} />}
        {searchError === undefined ? null : <ErrorBar error={searchError} />}
        <Field label={t('assign.users')} hint={t('assign.maxUsers', { max: MAX_USERS })}>
          <TagPicker onOptionSelect={onOptionSelect} selectedOptions={chosen.map((user) => user.id)}>
            <TagPickerControl>
              <TagPickerGroup aria-label={t('assign.users')}>
                {chosen.map((user) => (
                  <Tag key={user.id} shape="rounded" value={user.id} media={<Avatar name={user.displayName} size={20} aria-hidden />} dismissIcon={{ 'aria-label': t('assign.remove', { name: user.displayName }) }}>
                    {user.displayName}
                  </Tag>
                ))}
              </TagPickerGroup>
              <TagPickerInput aria-label={t('assign.users')} placeholder={chosen.length === 0 ? t('assign.usersPlaceholder') : undefined} value={query} onChange={(event) => setQuery(event.target.value)} />
            </TagPickerControl>
            <TagPickerList>
              {options === undefined ? (
                <TagPickerOption value="">
                  {t('assign.searching')}
                </TagPickerOption>
              ) : unchosen.length === 0 ? (
                <TagPickerOption value="">
                  {t('assign.noUsersFound')}
                </TagPickerOption>
              ) : (
                unchosen.map((user) => (
                  <TagPickerOption key={user.id} value={user.id} text={user.displayName} secondaryContent={user.userPrincipalName} media={<Avatar name={user.displayName} size={28} aria-hidden />}>
                    {user.displayName}
                  </TagPickerOption>
                ))
              )}
            </TagPickerList>
          </TagPicker>
        </Field>
        <ServiceSwitches skuId={product.skuId} disabledPlans={disabledPlans} onChange={setDisabledPlans} hint={t('assign.appsHint')} titleId="services-title" />
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy || chosen.length === 0} onClick={() => void assign()}>
          {isBusy ? t('assign.assigning') : t('assign.submit')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

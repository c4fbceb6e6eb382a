import {
  Button,
  Checkbox,
  DrawerBody,
  DrawerFooter,
  Field,
  Input,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { DataClass, HoldKind, UserData } from '../../../client/data-retention.js';
import type { DirectoryUser } from '../../../client/types.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { Loading } from '../../components/Loading.js';
import { SidePanel } from '../../components/SidePanel.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { UserPicker } from '../groups/UserPicker.js';
import { dataClassLabel } from '../users/users-common.js';
import { dataStateLabel, holdNames } from './data-retention-text.js';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  hint: { color: tokens.colorNeutralForeground2 },
  chosen: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  classes: { display: 'flex', flexDirection: 'column' },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS },
  invalid: { color: tokens.colorPaletteRedForeground1 },
});

const DATA_CLASSES: readonly DataClass[] = ['mailbox', 'files'];

/** What a user's data of a class is now, as the hold would find it. */
function dataNow(record: UserData['value'][number], t: Translate, formatDate: (iso: string) => string): string {
  if (record.state === 'Grace' && record.graceUntil !== null) {
    return t('dataRetention.graceUntil', { date: formatDate(record.graceUntil) });
  }
  // Holds matter once the data is not licensed any more.
  return record.state === 'Licensed' || record.holds.length === 0 ? dataStateLabel(record.state, t) : t('dataRetention.stateWithHolds', { state: dataStateLabel(record.state, t), holds: holdNames(record.holds) });
}

/** The chosen user's mailbox and files now, so the admin sees what the hold would keep. */
function UserDataNow({ user }: { user: DirectoryUser }) {
  const { t, formatDate } = useI18n();
  const { client } = useSession();
  const data = useAsync(() => client.getUserData(user.id), `user-data:${user.id}`);
  if (data.state.status === 'loading') {
    return <Loading />;
  }
  if (data.state.status === 'error') {
    return <ErrorBar error={data.state.error} onRetry={data.reload} />;
  }
  if (data.state.data.value.length === 0) {
    return <Text>{t('dataRetention.userNoData')}</Text>;
  }
  return (
    <Table size="small" aria-labelledby="add-hold-user-data">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{t('dataRetention.data')}</TableHeaderCell>
          <TableHeaderCell>{t('dataRetention.now')}</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {data.state.data.value.map((record) => (
          <TableRow key={record.dataClass}>
            <TableCell>{dataClassLabel(record.dataClass, t)}</TableCell>
            <TableCell>{dataNow(record, t, formatDate)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

interface Props {
  /** The kind of hold to add; the drawer is closed while undefined. */
  kind: HoldKind | undefined;
  onClose: () => void;
  onAdded: (message: string) => void;
}

/** Adds a litigation hold on one user (picked by name) or a retention policy for every user, for mailbox and/or files. */
export function AddHoldDrawer({ kind, onClose, onAdded }: Props) {
  const styles = useStyles();
  const { t } = useI18n();
  const { client } = useSession();
  const [user, setUser] = useState<DirectoryUser>();
  const [name, setName] = useState('');
  const [classes, setClasses] = useState<Set<DataClass>>(new Set(DATA_CLASSES));
  const [isTouched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);

  const isLitigation = kind === 'litigationHold';
  const nameMissing = name.trim() === '';
  const isValid = !nameMissing && classes.size > 0 && (!isLitigation || user !== undefined);

  const close = () => {
    setUser(undefined);
    setName('');
    setClasses(new Set(DATA_CLASSES));
    setTouched(false);
    setError(undefined);
    onClose();
  };

  const add = async () => {
    setTouched(true);
    if (!isValid || kind === undefined) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const dataClasses = DATA_CLASSES.filter((dataClass) => classes.has(dataClass));
      const hold = await client.createHold(kind === 'litigationHold' ? { kind, userId: user?.id ?? '', name: name.trim(), dataClasses } : { kind, name: name.trim(), dataClasses });
      const message = kind === 'litigationHold' ? t('dataRetention.litigationAdded', { name: hold.name, user: user?.displayName ?? '' }) : t('dataRetention.policyAdded', { name: hold.name });
      close();
      onAdded(message);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const title = isLitigation ? t('dataRetention.addLitigationHold') : t('dataRetention.addRetentionPolicy');
  return (
    <SidePanel open={kind !== undefined} size="medium" title={title} onClose={close}>
      <DrawerBody className={styles.body}>
        <Text className={styles.hint}>{isLitigation ? t('dataRetention.litigationIntro') : t('dataRetention.policyIntro')}</Text>
        {isLitigation ? (
          user === undefined ? (
            <div>
              <UserPicker label={t('dataRetention.user')} onPick={setUser} />
              {isTouched ? <Text className={styles.invalid}>{t('dataRetention.userRequired')}</Text> : null}
            </div>
          ) : (
            <section aria-labelledby="add-hold-user" className={styles.body}>
              <div className={styles.chosen}>
                <Text id="add-hold-user" weight="semibold">
                  {t('dataRetention.chosenUser', { name: user.displayName, upn: user.userPrincipalName })}
                </Text>
                <Button size="small" onClick={() => setUser(undefined)}>
                  {t('dataRetention.changeUser')}
                </Button>
              </div>
              <Text id="add-hold-user-data" weight="semibold">
                {t('dataRetention.userDataTable', { name: user.displayName })}
              </Text>
              <UserDataNow user={user} />
            </section>
          )
        ) : null}
        <Field label={t('dataRetention.name')} hint={t('dataRetention.nameHint')} required validationMessage={isTouched && nameMissing ? t('dataRetention.nameRequired') : undefined}>
          <Input value={name} maxLength={256} onChange={(_event, data) => setName(data.value)} />
        </Field>
        <div role="group" aria-labelledby="add-hold-classes" className={styles.classes}>
          <Text id="add-hold-classes" weight="semibold">
            {t('dataRetention.dataToKeep')}
          </Text>
          {DATA_CLASSES.map((dataClass) => (
            <Checkbox
              key={dataClass}
              label={dataClassLabel(dataClass, t)}
              checked={classes.has(dataClass)}
              onChange={(_event, data) => {
                const next = new Set(classes);
                if (data.checked === true) {
                  next.add(dataClass);
                } else {
                  next.delete(dataClass);
                }
                setClasses(next);
              }}
            />
          ))}
          {classes.size === 0 ? <Text className={styles.invalid}>{t('dataRetention.classRequired')}</Text> : null}
        </div>
        {error === undefined ? null : <ErrorBar error={error} />}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={isBusy} onClick={() => void add()}>
          {isBusy ? t('dataRetention.adding') : t('dataRetention.add')}
        </Button>
        <Button onClick={close}>{t('common.cancel')}</Button>
      </DrawerFooter>
    </SidePanel>
  );
}

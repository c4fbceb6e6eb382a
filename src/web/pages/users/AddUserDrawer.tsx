import {
  Button,
  Checkbox,
  Dropdown,
  DrawerBody,
  DrawerFooter,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Option,
  Radio,
  RadioGroup,
  Text,
} from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { ProductOverview } from '../../../client/types.js';
import { followLink } from '../../app/router.js';
import { ROUTES } from '../../app/routes.js';
import { useSession } from '../../app/session.js';
import { ErrorBar } from '../../components/ErrorBar.js';
import { ServiceSwitches } from '../../components/ServiceSwitches.js';
import { SidePanel } from '../../components/SidePanel.js';
import { UsageLocationField } from '../../components/UsageLocationField.js';
import { useI18n } from '../../i18n/i18n.js';
import { useAsync } from '../../lib/use-async.js';
import { useUsersStyles } from './users-common.js';

interface Props {
  open: boolean;
  products: ProductOverview[];
  onClose: () => void;
  /** The user exists: the list reloads (the drawer stays open on the finish step to show the password). */
  onCreated: () => void;
}

const STEPS = ['basics', 'licenses', 'optional', 'review'] as const;
type Step = (typeof STEPS)[number] | 'done';

/** The password generator's alphabet: no look-alikes (0/O, 1/l/I), with the three classes the password rule wants. */
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!@#$%&*?';

/** A 16-character password with every class, from the browser's cryptographic random source. */
function generatePassword(): string {
  const classes = [LOWER, UPPER, DIGITS, SYMBOLS];
  const all = classes.join('');
  const random = crypto.getRandomValues(new Uint32Array(16));
  const chars = [...random].map((value, index) => {
    const alphabet = classes[index] ?? all;
    return alphabet[value % alphabet.length] as string;
  });
  // Move the guaranteed class characters away from the front.
  return chars.reverse().join('');
}

/** The alias for mailNickname and the UPN: what is typed, or first.last from the names. */
const suggestedAlias = (givenName: string, surname: string): string =>
  [givenName, surname]
    .map((part) => part.trim().toLowerCase().normalize('NFD').replace(/[^a-z0-9]/g, ''))
    .filter((part) => part !== '')
    .join('.');

/**
 * Add a user, as the Microsoft 365 admin center's wizard: Basics (names, username, password),
 * Product licenses (usage location, products and their apps), Optional settings, Review and
 * finish. The user and the licenses are created in one transaction (POST /admin/users), so a
 * shortage of licenses creates nobody. The password is shown once, on the last step.
 */
export function AddUserDrawer({ open, products, onClose, onCreated }: Props) {
  const styles = useUsersStyles();
  const { t, formatNumber } = useI18n();
  const { client, session } = useSession();
  const domains = useAsync(() => client.verifiedDomains(), 'verified-domains');
  const domainNames = domains.state.status === 'done' ? domains.state.data.map((domain) => domain.name) : [session.tenant.domain];
  const [step, setStep] = useState<Step>('basics');
  const [givenName, setGivenName] = useState('');
  const [surname, setSurname] = useState('');
  const [displayName, setDisplayName] = useState<string>();
  const [alias, setAlias] = useState<string>();
  const [domain, setDomain] = useState<string>();
  const [autoPassword, setAutoPassword] = useState(true);
  const [typedPassword, setTypedPassword] = useState('');
  const [mustChangePassword, setMustChangePassword] = useState(true);
  const [usageLocation, setUsageLocation] = useState<string | null>(null);
  const [withLicenses, setWithLicenses] = useState(true);
  const [chosenSkus, setChosenSkus] = useState<string[]>([]);
  const [disabledPlans, setDisabledPlans] = useState<Record<string, Set<string>>>({});
  const [jobTitle, setJobTitle] = useState('');
  const [department, setDepartment] = useState('');
  const [error, setError] = useState<unknown>();
  const [isBusy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ userPrincipalName: string; password: string }>();
  const [copied, setCopied] = useState(false);

  const shownDisplayName = displayName ?? [givenName.trim(), surname.trim()].filter((part) => part !== '').join(' ');
  const shownAlias = alias ?? suggestedAlias(givenName, surname);
  const chosenDomain = domain ?? domainNames[0] ?? session.tenant.domain;
  const userPrincipalName = `${shownAlias}@${chosenDomain}`;
  const licensesToAssign = withLicenses ? chosenSkus : [];
  const assignable = products.filter((product) => product.appliesTo === 'User');

  const basicsProblem =
    shownDisplayName === '' ? t('addUser.displayNameRequired') : !/^[^\s@()<>[\]\\,;:"]+$/.test(shownAlias) ? t('addUser.aliasInvalid') : !autoPassword && typedPassword.length < 8 ? t('addUser.passwordTooShort') : undefined;
  const licensesProblem = licensesToAssign.length > 0 && usageLocation === null ? t('addUser.usageLocationRequired') : withLicenses && chosenSkus.length === 0 ? t('addUser.chooseProduct') : undefined;

  const reset = () => {
    setStep('basics');
    setGivenName('');
    setSurname('');
    setDisplayName(undefined);
    setAlias(undefined);
    setDomain(undefined);
    setAutoPassword(true);
    setTypedPassword('');
    setMustChangePassword(true);
    setUsageLocation(null);
    setWithLicenses(true);
    setChosenSkus([]);
    setDisabledPlans({});
    setJobTitle('');
    setDepartment('');
    setError(undefined);
    setCreated(undefined);
    setCopied(false);
  };
  const close = () => {
    reset();
    onClose();
  };

  const finish = async () => {
    setBusy(true);
    setError(undefined);
    const password = autoPassword ? generatePassword() : typedPassword;
    try {
      const user = await client.createUser({
        user: {
          accountEnabled: true,
          displayName: shownDisplayName,
          mailNickname: shownAlias,
          userPrincipalName,
          passwordProfile: { password, forceChangePasswordNextSignIn: mustChangePassword },
          ...(givenName.trim() === '' ? {} : { givenName: givenName.trim() }),
          ...(surname.trim() === '' ? {} : { surname: surname.trim() }),
          ...(jobTitle.trim() === '' ? {} : { jobTitle: jobTitle.trim() }),
          ...(department.trim() === '' ? {} : { department: department.trim() }),
          ...(usageLocation === null ? {} : { usageLocation }),
        },
        licenses: licensesToAssign.map((skuId) => ({ skuId, disabledPlans: [...(disabledPlans[skuId] ?? [])] })),
      });
      setCreated({ userPrincipalName: user.userPrincipalName, password });
      setStep('done');
      onCreated();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const stepIndex = STEPS.indexOf(step as (typeof STEPS)[number]);
  const problem = step === 'basics' ? basicsProblem : step === 'licenses' ? licensesProblem : undefined;
  const productName = (skuId: string) => products.find((product) => product.skuId === skuId)?.displayName ?? skuId;
  const toggleSku = (skuId: string, checked: boolean) => setChosenSkus(checked ? [...chosenSkus, skuId] : chosenSkus.filter((chosen) => chosen !== skuId));

  return (
    <SidePanel open={open} size="medium" title={t('addUser.title')} header={step === 'done' ? null : <Text className={styles.hint}>{t('addUser.stepOf', { step: stepIndex + 1, total: STEPS.length, name: t(`addUser.step.${step}`) })}</Text>} onClose={close}>
      <DrawerBody className={styles.stack}>
        {error === undefined ? null : <ErrorBar error={error} />}
        {step === 'basics' ? (
          <>
            <Field label={t('users.firstName')}>
              <Input value={givenName} onChange={(_event, data) => setGivenName(data.value)} />
            </Field>
            <Field label={t('users.lastName')}>
              <Input value={surname} onChange={(_event, data) => setSurname(data.value)} />
            </Field>
            <Field label={t('users.displayName')} required>
              <Input value={shownDisplayName} onChange={(_event, data) => setDisplayName(data.value)} />
            </Field>
            <div className={styles.footer}>
              <Field label={t('addUser.username')} required>
                <Input value={shownAlias} onChange={(_event, data) => setAlias(data.value.trim())} />
              </Field>
              <Field label={t('addUser.domain')}>
                <Dropdown value={`@${chosenDomain}`} selectedOptions={[chosenDomain]} onOptionSelect={(_event, data) => setDomain(data.optionValue)}>
                  {domainNames.map((name) => (
                    <Option key={name} value={name} text={`@${name}`}>
                      @{name}
                    </Option>
                  ))}
                </Dropdown>
              </Field>
            </div>
            <Checkbox checked={autoPassword} onChange={(_event, data) => setAutoPassword(data.checked === true)} label={t('addUser.autoPassword')} />
            {autoPassword ? null : (
              <Field label={t('changePassword.new')} hint={t('changePassword.hint')} required>
                <Input type="password" value={typedPassword} onChange={(_event, data) => setTypedPassword(data.value)} />
              </Field>
            )}
            <Checkbox checked={mustChangePassword} onChange={(_event, data) => setMustChangePassword(data.checked === true)} label={t('addUser.mustChangePassword')} />
          </>
        ) : null}
        {step === 'licenses' ? (
          <>
            <UsageLocationField label={t('users.usageLocation')} value={usageLocation} onChange={setUsageLocation} required={withLicenses} hint={t('users.usageLocationHint')} />
            <RadioGroup value={withLicenses ? 'with' : 'without'} onChange={(_event, data) => setWithLicenses(data.value === 'with')} aria-label={t('addUser.step.licenses')}>
              <Radio value="with" label={t('addUser.assignLicenses')} />
              <Radio value="without" label={t('addUser.withoutLicense')} />
            </RadioGroup>
            {withLicenses ? (
              <fieldset className={styles.fieldset}>
                <legend className={styles.legend}>{t('addUser.products')}</legend>
                {assignable.length === 0 ? <Text>{t('addUser.noProducts')}</Text> : null}
                {assignable.map((product) => (
                  <div key={product.skuId}>
                    <Checkbox
                      checked={chosenSkus.includes(product.skuId)}
                      disabled={product.available <= 0 && !chosenSkus.includes(product.skuId)}
                      onChange={(_event, data) => toggleSku(product.skuId, data.checked === true)}
                      label={t('addUser.productAvailable', { product: product.displayName, available: formatNumber(product.available), total: formatNumber(product.total) })}
                    />
                    {product.available <= 0 ? (
                      <Text className={styles.hint} block>
                        {t('addUser.noneAvailable')}{' '}
                        <Link href={ROUTES.yourProducts.path} onClick={(event) => followLink(event, ROUTES.yourProducts.path)}>
                          {t('error.buyMore')}
                        </Link>
                      </Text>
                    ) : null}
                  </div>
                ))}
              </fieldset>
            ) : null}
            {licensesToAssign.map((skuId) => (
              <ServiceSwitches
                key={skuId}
                skuId={skuId}
                titleId={`add-user-services-${skuId}`}
                hint={t('addUser.servicesOf', { product: productName(skuId) })}
                disabledPlans={disabledPlans[skuId] ?? new Set()}
                onChange={(next) => setDisabledPlans({ ...disabledPlans, [skuId]: next })}
              />
            ))}
          </>
        ) : null}
        {step === 'optional' ? (
          <>
            <Text>{t('addUser.optionalIntro')}</Text>
            <Field label={t('users.jobTitle')}>
              <Input value={jobTitle} onChange={(_event, data) => setJobTitle(data.value)} />
            </Field>
            <Field label={t('users.department')}>
              <Input value={department} onChange={(_event, data) => setDepartment(data.value)} />
            </Field>
          </>
        ) : null}
        {step === 'review' ? (
          <dl className={styles.tightStack} aria-label={t('addUser.step.review')}>
            <dt>
              <Text weight="semibold">{t('users.displayName')}</Text>
            </dt>
            <dd>{shownDisplayName}</dd>
            <dt>
              <Text weight="semibold">{t('users.userPrincipalName')}</Text>
            </dt>
            <dd>{userPrincipalName}</dd>
            <dt>
              <Text weight="semibold">{t('addUser.password')}</Text>
            </dt>
            <dd>{autoPassword ? t('addUser.passwordGenerated') : t('addUser.passwordTyped')}{mustChangePassword ? ` ${t('addUser.passwordMustChange')}` : ''}</dd>
            <dt>
              <Text weight="semibold">{t('addUser.products')}</Text>
            </dt>
            <dd>{licensesToAssign.length === 0 ? t('addUser.noLicense') : licensesToAssign.map(productName).join(', ')}</dd>
          </dl>
        ) : null}
        {step === 'done' && created !== undefined ? (
          <MessageBar intent="success" layout="multiline">
            <MessageBarBody className={styles.tightStack}>
              <MessageBarTitle>{t('addUser.created', { name: created.userPrincipalName })}</MessageBarTitle>
              <Text>{t('addUser.passwordOnce')}</Text>
              <Field label={t('addUser.password')}>
                <Input readOnly value={created.password} contentAfter={<Button appearance="transparent" size="small" icon={<CopyRegular />} aria-label={t('addUser.copyPassword')} onClick={() => void navigator.clipboard.writeText(created.password).then(() => setCopied(true))} />} />
              </Field>
              {copied ? <Text role="status">{t('addUser.copied')}</Text> : null}
            </MessageBarBody>
          </MessageBar>
        ) : null}
        {problem === undefined ? null : (
          <Text className={styles.hint} role="status">
            {problem}
          </Text>
        )}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        {step === 'done' ? (
          <>
            <Button appearance="primary" onClick={reset}>
              {t('addUser.addAnother')}
            </Button>
            <Button onClick={close}>{t('common.close')}</Button>
          </>
        ) : (
          <>
            {stepIndex > 0 ? (
              <Button disabled={isBusy} onClick={() => setStep(STEPS[stepIndex - 1] ?? 'basics')}>
                {t('addUser.back')}
              </Button>
            ) : null}
            {step === 'review' ? (
              <Button appearance="primary" disabled={isBusy} onClick={() => void finish()}>
                {isBusy ? t('addUser.adding') : t('addUser.finish')}
              </Button>
            ) : (
              <Button appearance="primary" disabled={problem !== undefined} onClick={() => setStep(STEPS[stepIndex + 1] ?? 'review')}>
                {t('addUser.next')}
              </Button>
            )}
            <Button onClick={close}>{t('common.cancel')}</Button>
          </>
        )}
      </DrawerFooter>
    </SidePanel>
  );
}

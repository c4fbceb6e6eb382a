import { makeStyles, Switch, Text, tokens } from '@fluentui/react-components';
import { useSession } from '../app/session.js';
import { useI18n } from '../i18n/i18n.js';
import { useAsync } from '../lib/use-async.js';
import { ErrorBar } from './ErrorBar.js';
import { Loading } from './Loading.js';

const useStyles = makeStyles({
  services: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  hint: { color: tokens.colorNeutralForeground2 },
});

/**
 * "Apps and services" of one product: a switch per service plan, by friendly name, all on unless
 * turned off. The product's plans load here; the caller keeps the set of plans turned off.
 */
export function ServiceSwitches({ skuId, disabledPlans, onChange, hint, titleId }: { skuId: string; disabledPlans: ReadonlySet<string>; onChange: (next: Set<string>) => void; hint: string; titleId: string }) {
  const { client } = useSession();
  const { t } = useI18n();
  const styles = useStyles();
  const plans = useAsync(async () => {
    const services = await client.listProductServices(skuId);
    return services.map((plan) => ({ id: plan.servicePlanId, name: plan.friendlyName })).sort((a, b) => a.name.localeCompare(b.name));
  }, `plans:${skuId}`);
  return (
    <section aria-labelledby={titleId} className={styles.services}>
      <Text as="h2" id={titleId} weight="semibold" size={400}>
        {t('assign.appsAndServices')}
      </Text>
      <Text className={styles.hint}>{hint}</Text>
      {plans.state.status === 'loading' ? <Loading /> : null}
      {plans.state.status === 'error' ? <ErrorBar error={plans.state.error} onRetry={plans.reload} /> : null}
      {plans.state.status === 'done'
        ? plans.state.data.map((plan) => (
            <Switch
              key={plan.id}
              label={plan.name}
              checked={!disabledPlans.has(plan.id)}
              onChange={(_event, data) => {
                const next = new Set(disabledPlans);
                if (data.checked) {
                  next.delete(plan.id);
                } else {
                  next.add(plan.id);
                }
                onChange(next);
              }}
            />
          ))
        : null}
    </section>
  );
}

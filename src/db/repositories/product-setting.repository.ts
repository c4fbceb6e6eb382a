import type { Kysely, Selectable } from 'kysely';
import { defaultProductSettings, type ProductSettings } from '../../domain/product-settings.js';
import type { Database, ProductSettingTable } from '../schema.js';

// numeric travels as text on both drivers; a price has two decimals, so a double holds it exactly enough.
const toSettings = (row: Selectable<ProductSettingTable>): ProductSettings => ({
  skuId: row.sku_id,
  selfServicePolicy: row.self_service_policy,
  lowSeatThreshold: row.low_seat_threshold,
  lowSeatAlertedAt: row.low_seat_alerted_at === null ? null : new Date(row.low_seat_alerted_at),
  inactivityDays: row.inactivity_days,
  monthlyPrice: row.monthly_price === null ? null : Number(row.monthly_price),
  currency: row.currency,
});

/** Per-product settings; a product without a row has the defaults (`defaultProductSettings`). */
export function createProductSettingRepository(db: Kysely<Database>, tenantId: string) {
  const settings = () => db.selectFrom('product_setting').selectAll().where('tenant_id', '=', tenantId);
  return {
    async find(skuId: string): Promise<ProductSettings> {
      const row = await settings().where('sku_id', '=', skuId).executeTakeFirst();
      return row ? toSettings(row) : defaultProductSettings(skuId);
    },

    /** Stored settings of these products (the others have the defaults). */
    async findMany(skuIds: readonly string[]): Promise<Map<string, ProductSettings>> {
      if (skuIds.length === 0) {
        return new Map();
      }
      const rows = await settings().where('sku_id', 'in', [...skuIds]).execute();
      return new Map(rows.map((row) => [row.sku_id, toSettings(row)]));
    },

    /** Creates the product's row with the defaults if it has none, then locks it. */
    async lock(skuId: string, at: Date): Promise<ProductSettings> {
      await db
        .insertInto('product_setting')
        .values({ tenant_id: tenantId, sku_id: skuId, updated_at: at })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'sku_id']).doNothing())
        .execute();
      return toSettings(await settings().where('sku_id', '=', skuId).forUpdate().executeTakeFirstOrThrow());
    },

    async save(settingsAfter: ProductSettings, at: Date): Promise<void> {
      await db
        .updateTable('product_setting')
        .set({
          self_service_policy: settingsAfter.selfServicePolicy,
          low_seat_threshold: settingsAfter.lowSeatThreshold,
          low_seat_alerted_at: settingsAfter.lowSeatAlertedAt,
          inactivity_days: settingsAfter.inactivityDays,
          monthly_price: settingsAfter.monthlyPrice === null ? null : settingsAfter.monthlyPrice.toFixed(2),
          currency: settingsAfter.currency,
          updated_at: at,
        })
        .where('tenant_id', '=', tenantId)
        .where('sku_id', '=', settingsAfter.skuId)
        .execute();
    },

    /** Products with a low-seat threshold or an open alert (the low-seat job's work list), locked unless a dry run reads them. */
    async listAlerting(options: { forUpdate: boolean }): Promise<ProductSettings[]> {
      const query = settings()
        .where((eb) => eb.or([eb('low_seat_threshold', 'is not', null), eb('low_seat_alerted_at', 'is not', null)]))
        .orderBy('sku_id');
      return (await (options.forUpdate ? query.forUpdate() : query).execute()).map(toSettings);
    },

    async setLowSeatAlertedAt(skuIds: readonly string[], alertedAt: Date | null, at: Date): Promise<void> {
      if (skuIds.length === 0) {
        return;
      }
      await db
        .updateTable('product_setting')
        .set({ low_seat_alerted_at: alertedAt, updated_at: at })
        .where('tenant_id', '=', tenantId)
        .where('sku_id', 'in', [...skuIds])
        .execute();
    },
  };
}

export type ProductSettingRepository = ReturnType<typeof createProductSettingRepository>;

import type { Kysely } from 'kysely';
import type { CatalogueData } from '../domain/catalogue.js';
import type { Clock } from '../domain/clock.js';
import type { IdGenerator } from '../domain/ids.js';
import type { Database } from '../db/schema.js';

/** What every service is built from; tests swap the clock and the id source. */
export interface ServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  ids: IdGenerator;
  microsoftCatalogue: CatalogueData;
  /**
   * Groups up to this many members are licensed inside the request's transaction; larger ones by
   * a chunked job (default 5,000; bootstrap picks per engine, see group-licensing.service.ts).
   */
  groupInlineLimit?: number;
  /** ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: webhooks may post to loopback, private and link-local addresses. */
  webhookAllowPrivateNetworks?: boolean;
}

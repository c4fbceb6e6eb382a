import { DAY_MS } from '../domain/clock.js';
import { systemPrincipal, type RequestContext } from '../domain/context.js';
import { AppError } from '../domain/errors.js';
import { ADMIN_POOL, allocateSeats, drawsFromPool } from '../domain/seats.js';
import type { Tenant } from '../db/repositories/index.js';
import {
  BUCKETS,
  bucketOf,
  createBulkSeedRepository,
  type GeneratedPeople,
  type MixRange,
  type SeatRange,
} from '../db/repositories/bulk-seed.repository.js';
import type { ServiceDeps } from './deps.js';
import type { Services } from './index.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/**
 * The large-tenant generator (`allot seed --users N --tenant DOMAIN`): a tenant with N users,
 * subscriptions with enough seats, and direct licenses for a realistic share of the users, written
 * with set-based statements in chunks (one short transaction and one audit row per chunk), so a
 * million users fit in minutes. Running it again for the same domain adds N more users.
 */

export const BULK_CREATE_ACTIVITY = 'Bulk create users';
export const DEFAULT_CHUNK_SIZE = 50_000;

/** The products of a generated tenant (Microsoft catalogue ids). */
export const LARGE_TENANT_SKUS = {
  businessPremium: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
  e3: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  e5: 'c7df2760-2c81-4ef7-b578-5b5392b571df',
  entraP2: '84a661c4-e949-4bd2-a560-ed7766fcaf2b',
} as const;

const { businessPremium, e3, e5, entraP2 } = LARGE_TENANT_SKUS;

/**
 * Who gets what, per 1,000 users: 700 hold one product (Business Premium 200, E3 350, E5 150),
 * 200 hold two (Business Premium or E3, plus Entra ID P2), 100 hold none.
 */
export const LICENSE_MIX: readonly MixRange[] = [
  { skuId: businessPremium, from: 0, to: 200 },
  { skuId: e3, from: 200, to: 550 },
  { skuId: e5, from: 550, to: 700 },
  { skuId: businessPremium, from: 700, to: 780 },
  { skuId: e3, from: 780, to: 900 },
  { skuId: entraP2, from: 700, to: 900 },
];

const GIVEN_NAMES = [
  // Dutch
  'Anna', 'Bram', 'Daan', 'Emma', 'Finn', 'Julia', 'Lars', 'Noor', 'Sem', 'Tess', 'Lucas', 'Sophie', 'Lotte', 'Jesse',
  'Eva', 'Milan', 'Fleur', 'Ruben', 'Sanne', 'Thijs', 'Isa', 'Jan', 'Femke', 'Stijn', 'Lieke', 'Mila', 'Bas', 'Roos',
  'Tim', 'Zoë', 'Max', 'Vera', 'Koen', 'Jasmijn', 'Mees', 'Willem', 'Ilse', 'Hugo', 'Evi', 'Luuk', 'Nina', 'Joris',
  'Daniël', 'Sven', 'Maartje', 'Gijs', 'Floor', 'Pieter', 'Anouk', 'Wouter',
  // English
  'James', 'Olivia', 'Oliver', 'Amelia', 'Emily', 'Harry', 'Grace', 'Jack', 'Charlotte', 'George', 'Sophia', 'Hannah',
  'William', 'Isabella', 'Henry', 'Jessica', 'Samuel', 'Lucy', 'Benjamin', 'Chloe', 'Joseph', 'Ella', 'Edward', 'Megan',
  'Matthew', 'Holly', 'Alexander', 'Ruby', 'Michael', 'Poppy',
];

const SURNAMES = [
  // Dutch
  'de Vries', 'Jansen', "van 't Hek", 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos',
  'Peters', 'Hendriks', 'van Dijk', 'Dekker', 'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer',
  'van der Linden', 'Kok', 'Jacobs', 'de Haan', 'Vermeulen', 'van den Heuvel', 'van Leeuwen', 'Willems', 'Schouten',
  'Hoekstra', 'Koster', 'Prins', 'Huisman', 'Kuipers', 'Post', 'van Wijk', 'Boersma', 'Veenstra', 'Verhoeven', 'Kramer',
  'van Beek', 'Maas', "d'Ancona", 'Bosman', 'Janssens', 'Hermans', 'Timmermans', 'Çelik', 'El Amrani',
  // English
  'Wilson', 'Taylor', 'Brown', 'Davies', 'Clarke', 'Evans', 'Roberts', 'Walker', 'Wright', 'Green', 'Lewis', 'Smith',
  'Johnson', 'Hughes', 'Edwards', 'Hall', 'Wood', 'Harris', 'Martin', 'Jackson', 'Thompson', 'White', 'Robinson',
  'Turner', 'Cooper', 'Hill', 'Ward', 'Morris', 'Moore', "O'Brien",
];

const role = (department: string, jobTitle: string, weight = 1) => Array.from({ length: weight }, () => ({ department, jobTitle }));

const ROLES = [
  ...role('Operations', 'Driver', 5),
  ...role('Operations', 'Warehouse associate', 3),
  ...role('Operations', 'Dispatcher'),
  ...role('Operations', 'Fleet planner'),
  ...role('Operations', 'Mechanic'),
  ...role('Customer service', 'Agent', 3),
  ...role('Customer service', 'Team lead'),
  ...role('Sales', 'Account manager', 2),
  ...role('Sales', 'Inside sales'),
  ...role('Sales', 'Sales director'),
  ...role('Finance', 'Accountant'),
  ...role('Finance', 'Controller'),
  ...role('Finance', 'Payroll specialist'),
  ...role('HR', 'HR advisor'),
  ...role('HR', 'Recruiter'),
  ...role('IT', 'Helpdesk'),
  ...role('IT', 'System engineer'),
  ...role('IT', 'Developer', 2),
  ...role('IT', 'Security officer'),
  ...role('Marketing', 'Designer'),
  ...role('Marketing', 'Campaign lead'),
  ...role('Marketing', 'Copywriter'),
  ...role('Legal', 'Counsel'),
  ...role('Management', 'Manager'),
];

const USAGE_LOCATIONS = [...Array<string>(13).fill('NL'), 'BE', 'BE', 'GB', 'GB', 'DE', 'US', 'US'];

/** "Zoë" → "zoe", "van 't Hek" → "vanthek": the ASCII part of a mail alias. */
export const toAlias = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function buildPeople(): GeneratedPeople {
  const givenAliases = GIVEN_NAMES.map(toAlias);
  const surnameAliases = SURNAMES.map(toAlias);
  for (const aliases of [givenAliases, surnameAliases]) {
    const duplicate = aliases.find((alias, index) => aliases.indexOf(alias) !== index);
    if (duplicate !== undefined || aliases.includes('')) {
      throw new Error(`large-tenant names must have distinct, non-empty aliases (${duplicate ?? 'empty'})`);
    }
  }
  // Given name = g mod G, surname = g mod S: every pair occurs once per G×S users only if G, S are coprime.
  if (gcd(GIVEN_NAMES.length, SURNAMES.length) !== 1 || gcd(31, ROLES.length) !== 1 || gcd(13, USAGE_LOCATIONS.length) !== 1) {
    throw new Error('large-tenant name, role and location counts must be coprime with their strides');
  }
  return { givenNames: GIVEN_NAMES, givenAliases, surnames: SURNAMES, surnameAliases, roles: ROLES, usageLocations: USAGE_LOCATIONS };
}

const PEOPLE = buildPeople();

/** Licenses per SKU that users number `first`…`last` get by the mix. */
export function licensesNeeded(first: number, last: number): Map<string, number> {
  const perBucket = new Map<number, string[]>();
  for (const range of LICENSE_MIX) {
    for (let bucket = range.from; bucket < range.to; bucket += 1) {
      perBucket.set(bucket, [...(perBucket.get(bucket) ?? []), range.skuId]);
    }
  }
  const needed = new Map<string, number>(LICENSE_MIX.map((range) => [range.skuId, 0]));
  // Buckets repeat every BUCKETS users: count whole cycles once, then the remainder.
  const count = last - first + 1;
  const cycles = Math.floor(count / BUCKETS);
  for (const range of LICENSE_MIX) {
    needed.set(range.skuId, (needed.get(range.skuId) ?? 0) + cycles * (range.to - range.from));
  }
  for (let index = first + cycles * BUCKETS; index <= last; index += 1) {
    for (const skuId of perBucket.get(bucketOf(index)) ?? []) {
      needed.set(skuId, (needed.get(skuId) ?? 0) + 1);
    }
  }
  return needed;
}

/** Seats bought for a shortfall: 10% headroom plus ten, rounded up to a hundred. */
const seatsToBuy = (shortfall: number): number => Math.ceil((shortfall * 1.1 + 10) / 100) * 100;

/** Run-length ranges (by rank within the chunk) of the subscriptions allocateSeats picked. */
function seatRanges(skuId: string, picks: readonly string[]): SeatRange[] {
  const ranges: SeatRange[] = [];
  picks.forEach((subscriptionId, index) => {
    const current = ranges[ranges.length - 1];
    if (current?.subscriptionId === subscriptionId) {
      current.to = index + 1;
    } else {
      ranges.push({ skuId, subscriptionId, from: index, to: index + 1 });
    }
  });
  return ranges;
}

const displayNameFor = (domain: string): string => {
  const label = domain.split('.')[0] ?? domain;
  return label.charAt(0).toUpperCase() + label.slice(1);
};

export interface LargeTenantProgress {
  usersDone: number;
  usersTotal: number;
}

export interface GenerateLargeTenantOptions {
  /** Users to add. */
  users: number;
  /** The tenant's initial domain: created when no tenant has it, extended otherwise. */
  domain: string;
  /** Display name of a created tenant (default: from the domain). */
  displayName?: string;
  /** Users per transaction (default 50,000). */
  chunkSize?: number;
  onProgress?: (progress: LargeTenantProgress) => void;
}

export interface GenerateLargeTenantResult {
  tenant: Tenant;
  tenantCreated: boolean;
  /** User numbers written by this run (inclusive); a later run continues after `lastIndex`. */
  firstIndex: number;
  lastIndex: number;
  usersCreated: number;
  /** Generated names that clashed with an existing user's userPrincipalName (later numbers replaced them). */
  usersSkipped: number;
  licensedUsers: number;
  licensesAssigned: number;
  chunks: number;
  elapsedMs: number;
}

/** Deps the generator needs beyond the services: the database and the clock and id seams. */
export type LargeTenantDeps = Pick<ServiceDeps, 'db' | 'clock' | 'ids'>;

/** Creates or extends a large tenant; see the module comment. */
export async function generateLargeTenant(services: Services, deps: LargeTenantDeps, options: GenerateLargeTenantOptions): Promise<GenerateLargeTenantResult> {
  const startedAt = Date.now();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(options.users) || options.users < 1) {
    throw new AppError('invalidRequest', `The number of users must be a positive integer, not ${options.users}.`);
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new AppError('invalidRequest', `The chunk size must be a positive integer, not ${chunkSize}.`);
  }
  const domain = options.domain.trim().toLowerCase();
  const base = { principal: systemPrincipal, requestId: `large-tenant-${deps.ids()}`, clientAddress: null };

  const existing = await services.tenants.findTenant(domain);
  const tenant =
    existing ??
    (await services.tenants.createTenant(base, {
      displayName: options.displayName ?? displayNameFor(domain),
      domain,
      defaultUsageLocation: 'NL',
    }));
  const context: RequestContext = { ...base, tenantId: tenant.tenantId };

  const firstIndex = (await createBulkSeedRepository(deps.db, tenant.tenantId).lastGeneratedIndex(BULK_CREATE_ACTIVITY)) + 1;
  // One purchase for the whole run (each chunk checks again, for numbers added after skipped names).
  await ensureSeats(services, deps, context, licensesNeeded(firstIndex, firstIndex + options.users - 1));

  // Foreign-key checks run plans cached per connection: one made while these tables were small is a
  // sequential scan, which would make every check of the load scan the growing table. ANALYZE
  // invalidates those plans (and gives the new ones real statistics).
  await createBulkSeedRepository(deps.db, tenant.tenantId).analyze();
  const skuIds = [...new Set(LICENSE_MIX.map((range) => range.skuId))].sort();
  const totals = { usersCreated: 0, usersSkipped: 0, licensedUsers: 0, licensesAssigned: 0, chunks: 0 };
  options.onProgress?.({ usersDone: 0, usersTotal: options.users });
  let next = firstIndex;
  let emptyChunks = 0;
  // Numbers whose name is taken are skipped; further numbers make up for them, so N users are created.
  while (totals.usersCreated < options.users) {
    const first = next;
    const last = first + Math.min(chunkSize, options.users - totals.usersCreated) - 1;
    next = last + 1;
    const needed = licensesNeeded(first, last);
    await ensureSeats(services, deps, context, needed);
    const chunk = await inTenantTransaction(deps.db, context, async (repos, trx) => {
      // The seat-counter locks of every SKU, in skuId order, as every license change takes them.
      await repos.subscriptions.lockSkus(skuIds);
      const subscriptions = await repos.subscriptions.listForSkus(skuIds);
      const seats = skuIds.flatMap((skuId) => {
        const picks = allocateSeats(
          subscriptions.filter((subscription) => subscription.skuId === skuId),
          ADMIN_POOL,
          needed.get(skuId) ?? 0,
        );
        if (picks === undefined) {
          throw new AppError('conflict', `Not enough free seats of ${skuId} for users ${first}-${last}: seats were assigned while generating. Run the command again.`);
        }
        return seatRanges(skuId, picks);
      });
      const at = deps.clock.now();
      const bulk = createBulkSeedRepository(trx, tenant.tenantId);
      const written = await bulk.insertChunk({ first, last, domain, people: PEOPLE, mix: LICENSE_MIX, seats, at });
      if (written.seats !== written.assignments || written.history !== written.assignments) {
        throw new AppError('internal', `Generated ${written.assignments} assignments but ${written.seats} seats and ${written.history} history rows.`);
      }
      await bulk.recountCounters(skuIds);
      const details = {
        firstIndex: first,
        lastIndex: last,
        usersCreated: written.usersCreated,
        usersSkipped: last - first + 1 - written.usersCreated,
        licensedUsers: written.licensedUsers,
        licensesAssigned: written.assignments,
      };
      await repos.audit.record(
        context,
        [
          {
            category: 'UserManagement',
            activity: BULK_CREATE_ACTIVITY,
            target: { type: 'Tenant', id: tenant.tenantId, name: tenant.displayName },
            changes: [],
            details: { ...details, domain },
          },
        ],
        at,
        deps.ids,
      );
      return details;
    });
    totals.usersCreated += chunk.usersCreated;
    totals.usersSkipped += chunk.usersSkipped;
    totals.licensedUsers += chunk.licensedUsers;
    totals.licensesAssigned += chunk.licensesAssigned;
    totals.chunks += 1;
    options.onProgress?.({ usersDone: totals.usersCreated, usersTotal: options.users });
    emptyChunks = chunk.usersCreated === 0 ? emptyChunks + 1 : 0;
    if (emptyChunks >= 3) {
      throw new AppError('conflict', `Users ${firstIndex}-${last} of ${tenant.displayName}: three chunks in a row had only names that are taken.`);
    }
  }
  await createBulkSeedRepository(deps.db, tenant.tenantId).analyze();
  return { tenant, tenantCreated: existing === undefined, firstIndex, lastIndex: next - 1, ...totals, elapsedMs: Date.now() - startedAt };
}

/**
 * Makes sure the admins' pool of each SKU has `needed` free seats: records a subscription for a
 * SKU the tenant lacks, or adds licenses to the subscription that renews last. Both are audited.
 */
async function ensureSeats(services: Services, deps: LargeTenantDeps, context: RequestContext, needed: ReadonlyMap<string, number>): Promise<void> {
  const subscriptions = await tenantRepositories(deps.db, context).subscriptions.list();
  const now = deps.clock.now().getTime();
  for (const [skuId, count] of [...needed].sort(([a], [b]) => a.localeCompare(b))) {
    const pool = subscriptions.filter((subscription) => subscription.skuId === skuId && drawsFromPool(subscription, ADMIN_POOL));
    const free = pool.reduce((sum, subscription) => sum + Math.max(0, subscription.totalLicenses - subscription.consumedUnits), 0);
    if (free >= count) {
      continue;
    }
    const renewsLast = pool.sort((a, b) => (a.nextLifecycleAt?.getTime() ?? Infinity) - (b.nextLifecycleAt?.getTime() ?? Infinity)).pop();
    if (renewsLast) {
      await services.subscriptions.changeLicenseCount(context, renewsLast.subscriptionId, seatsToBuy(count - free));
    } else {
      await services.subscriptions.recordSubscription(context, {
        skuId,
        totalLicenses: seatsToBuy(count),
        createdAt: new Date(now - 200 * DAY_MS),
        nextLifecycleAt: new Date(now + 165 * DAY_MS),
      });
    }
  }
}

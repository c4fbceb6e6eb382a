import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_SOURCE } from '../../../src/domain/ids.js';
import { killAll } from '../../support/server-process.js';
import { createTestDeployment, POSTGRES_SKIP_REASON, startServerOn, type RunningServer, type TestDeployment } from '../support/engines.js';
import { send, Tally, type Answer } from '../support/http.js';
import { checkAuditTrail, checkInvariants, type ObservedChange } from '../support/invariants.js';
import { reliabilitySizing } from '../support/sizing.js';
import { createTenantWithApp, PLAN, SKU, type ReliabilityTenant } from '../support/tenant.js';

/**
 * Issue 7, part 2, item 1: two `allot serve` processes on one PostgreSQL database, and many
 * concurrent clients sending license changes to both for ALLOT_RELIABILITY_SECONDS: direct
 * assignments with disabledPlans, removals, swaps (one SKU out, another in, one call), bulk
 * Replace, membership changes of groups that carry licenses (one with the seat waitlist on), user
 * deletes and restores, and seat reductions and additions. Seats are scarce (a fifth to a quarter
 * of the users per product), so over-assignment is attempted all the time. Afterwards: no request failed
 * (no 5xx, no request without an answer), every invariant holds (invariants.ts), every change a
 * client saw succeed has its audit rows under its request id, and the database holds exactly what
 * the clients were told (each user's direct licenses, each group's members, each subscription's
 * licenses). 4xx answers are refusals, counted per operation and code in the report.
 *
 * The clients keep a model of what they changed: a user's direct licenses are changed by one
 * request at a time (and a member of a group by one membership request at a time), so each
 * request is a real change whose success must leave exactly one audit trail, while seats,
 * groups and users are shared by all clients and both servers.
 */
const sizing = reliabilitySizing();
const spawned: ChildProcess[] = [];

/** A seeded pseudo-random generator (mulberry32), so a run's mix can be repeated with ALLOT_RELIABILITY_SEED. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface License {
  skuId: string;
  disabledPlans: string[];
}

/** What clients assign directly: products with services off, including Teams off, which Audio Conferencing needs. */
const DIRECT_LICENSES: License[] = [
  { skuId: SKU.e3, disabledPlans: [] },
  { skuId: SKU.e3, disabledPlans: [PLAN.sway] },
  { skuId: SKU.e3, disabledPlans: [PLAN.sway, PLAN.todo].sort() },
  { skuId: SKU.e3, disabledPlans: [PLAN.mcoStandard, PLAN.teams].sort() },
  { skuId: SKU.e5, disabledPlans: [] },
  { skuId: SKU.e5, disabledPlans: [PLAN.sway] },
  { skuId: SKU.audioConferencing, disabledPlans: [] },
  { skuId: SKU.exchangePlan1, disabledPlans: [] },
];

interface UserModel {
  id: string;
  deleted: boolean;
  /** A request that changes this user's direct licenses or existence is in flight. */
  busy: boolean;
  /** Direct licenses: skuId → disabled plans (sorted), as the last answer said. */
  direct: Map<string, string[]>;
  /** Users without one are refused direct licenses (single assignments show that; bulk batches avoid them). */
  hasUsageLocation: boolean;
}

interface SubscriptionModel {
  id: string;
  skuId: string;
  total: number;
  initial: number;
}

interface GroupModel {
  id: string;
  members: Set<string>;
  /** Users with a membership request in flight for this group. */
  busy: Set<string>;
}

interface Planned {
  operation: string;
  request: { method: string; path: string; body?: unknown };
  /** The audit rows a success writes under its request id. */
  audit: { activity: string; entries: number };
  description: string;
  /** Updates the model from the answer (2xx) and releases what the request held; always called. */
  settle(answer: Answer): void;
}

const sameLicense = (disabled: readonly string[] | undefined, license: License): boolean =>
  disabled !== undefined && disabled.length === license.disabledPlans.length && disabled.every((plan, index) => plan === license.disabledPlans[index]);

/** The direct licenses in a Graph user (licenseAssignmentStates with no group). */
const directLicensesOf = (body: unknown): Map<string, string[]> =>
  new Map(
    ((body as { licenseAssignmentStates?: { skuId: string; disabledPlans: string[]; assignedByGroup: string | null }[] }).licenseAssignmentStates ?? [])
      .filter((state) => state.assignedByGroup === null)
      .map((state) => [state.skuId, [...state.disabledPlans].sort()]),
  );

const isSuccess = (answer: Answer): boolean => answer.status >= 200 && answer.status < 300;

describe.skipIf(POSTGRES_SKIP_REASON !== undefined)(`two servers on one PostgreSQL under concurrent license changes${POSTGRES_SKIP_REASON === undefined ? '' : ` (skipped: ${POSTGRES_SKIP_REASON})`}`, () => {
  let deployment: TestDeployment;
  let tenant: ReliabilityTenant;
  const users: UserModel[] = [];
  const groups: GroupModel[] = [];
  const subscriptions: SubscriptionModel[] = [];
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    deployment = await createTestDeployment('postgres', 'two-servers');
    const runtime = await deployment.openRuntime();
    try {
      tenant = await createTenantWithApp(runtime, { displayName: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com' });
      const { services } = runtime;
      const quarter = Math.ceil(sizing.users / 4);
      const fifth = Math.ceil(sizing.users / 5);
      // Scarce seats: E3 from two subscriptions (the one ending first fills first), the rest one each.
      const bought: [string, number][] = [
        [SKU.e3, Math.ceil(quarter / 2)],
        [SKU.e3, Math.ceil(quarter / 2)],
        [SKU.e5, fifth],
        [SKU.audioConferencing, fifth],
        [SKU.exchangePlan1, fifth],
        [SKU.powerBiPro, fifth],
      ];
      for (const [index, [skuId, totalLicenses]] of bought.entries()) {
        const subscription = await services.subscriptions.recordSubscription(tenant.context, { skuId, totalLicenses, nextLifecycleAt: new Date(Date.now() + (100 + index) * 86_400_000) });
        subscriptions.push({ id: subscription.subscriptionId, skuId, total: totalLicenses, initial: totalLicenses });
      }
      for (let index = 0; index < sizing.users; index += 1) {
        const created = await services.users.createUser(tenant.context, {
          userPrincipalName: `user${index}@${tenant.domain}`,
          displayName: `User ${index}`,
          mailNickname: `user${index}`,
          mail: null,
          givenName: null,
          surname: null,
          jobTitle: null,
          department: null,
          // Every tenth has no usage location: direct licenses are refused, groups use the tenant's (NL).
          usageLocation: index % 10 === 9 ? null : 'NL',
          userType: 'Member',
          accountEnabled: true,
        });
        users.push({ id: created.user.userId, deleted: false, busy: false, direct: new Map(), hasUsageLocation: created.user.usageLocation !== null });
      }
      const licensed: { name: string; licenses: License[]; waitlist?: string }[] = [
        { name: 'E3 without Sway', licenses: [{ skuId: SKU.e3, disabledPlans: [PLAN.sway] }] },
        // A group's own licenses must satisfy their dependencies: Audio Conferencing comes with E3 (Teams).
        { name: 'E3 and Audio Conferencing (waitlist)', licenses: [{ skuId: SKU.e3, disabledPlans: [] }, { skuId: SKU.audioConferencing, disabledPlans: [] }], waitlist: SKU.audioConferencing },
        { name: 'Exchange and Power BI', licenses: [{ skuId: SKU.exchangePlan1, disabledPlans: [] }, { skuId: SKU.powerBiPro, disabledPlans: [] }] },
      ];
      for (const [index, definition] of licensed.entries()) {
        const view = await services.groups.createGroup(tenant.context, { displayName: definition.name, mailNickname: `licensed${index}`, mailEnabled: false, securityEnabled: true });
        const group: GroupModel = { id: view.group.groupId, members: new Set(), busy: new Set() };
        for (const user of users.slice(index * fifth, (index + 1) * fifth)) {
          await services.groups.addMemberReference(tenant.context, group.id, `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}`);
          group.members.add(user.id);
        }
        await services.groupLicensing.assignLicense(tenant.context, group.id, { add: definition.licenses, remove: [] });
        if (definition.waitlist !== undefined) {
          await services.groupLicensing.setWaitlist(tenant.context, group.id, definition.waitlist, true);
        }
        groups.push(group);
      }
      expect(await checkInvariants(runtime.handle.db, { tenantIds: [tenant.tenantId] })).toEqual([]);
    } finally {
      await runtime.close();
    }
    servers = await Promise.all([0, 1].map(() => startServerOn(deployment, tenant, { LOG_LEVEL: 'warn', ALLOT_JOB_INTERVAL_SECONDS: '2' }, spawned)));
  });

  afterAll(async () => {
    await killAll(spawned);
    await deployment?.dispose();
  });

  it(`keeps every invariant with ${sizing.clients} clients on both servers for ${sizing.seconds} s (seed ${sizing.seed})`, async () => {
    const random = randomSource(sizing.seed);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
    const maxDeleted = Math.max(1, Math.floor(sizing.users / 6));
    let deletesInFlight = 0;
    const tally = new Tally();
    const observed: ObservedChange[] = [];

    /** Takes users for a request that changes their direct licenses or existence. */
    const take = (candidates: UserModel[]): UserModel | undefined => {
      const user = pick(candidates);
      if (user !== undefined) {
        user.busy = true;
      }
      return user;
    };
    const idle = (predicate: (user: UserModel) => boolean) => users.filter((user) => !user.busy && predicate(user));
    const release = (...taken: UserModel[]) => taken.forEach((user) => (user.busy = false));

    const assignLicense = (operation: string, user: UserModel, add: License[], remove: string[], description: string): Planned => ({
      operation,
      request: { method: 'POST', path: `/v1.0/users/${user.id}/assignLicense`, body: { addLicenses: add, removeLicenses: remove } },
      audit: { activity: 'Change user license', entries: 1 },
      description,
      settle: (answer) => {
        if (isSuccess(answer)) {
          user.direct = directLicensesOf(answer.body);
        }
        release(user);
      },
    });

    const plans: [number, () => Planned | undefined][] = [
      [
        22,
        () => {
          const user = take(idle((candidate) => !candidate.deleted));
          if (user === undefined) {
            return undefined;
          }
          const license = pick(DIRECT_LICENSES.filter((candidate) => !sameLicense(user.direct.get(candidate.skuId), candidate)));
          if (license === undefined) {
            release(user);
            return undefined;
          }
          return assignLicense('assign', user, [license], [], `assign ${license.skuId} (${license.disabledPlans.length} plans off) to ${user.id}`);
        },
      ],
      [
        12,
        () => {
          const user = take(idle((candidate) => !candidate.deleted && candidate.direct.size > 0));
          if (user === undefined) {
            return undefined;
          }
          const skuId = pick([...user.direct.keys()]) as string;
          return assignLicense('remove', user, [], [skuId], `remove ${skuId} from ${user.id}`);
        },
      ],
      [
        14,
        () => {
          const user = take(idle((candidate) => !candidate.deleted && candidate.direct.size > 0));
          if (user === undefined) {
            return undefined;
          }
          const out = pick([...user.direct.keys()]) as string;
          const into = pick(DIRECT_LICENSES.filter((candidate) => candidate.skuId !== out)) as License;
          return assignLicense('swap', user, [into], [out], `swap ${out} for ${into.skuId} on ${user.id}`);
        },
      ],
      [
        6,
        () => {
          const license = pick(DIRECT_LICENSES) as License;
          const chosen: UserModel[] = [];
          for (let count = 2 + Math.floor(random() * 3); count > 0; count -= 1) {
            const user = take(idle((candidate) => !candidate.deleted && candidate.hasUsageLocation));
            if (user !== undefined) {
              chosen.push(user);
            }
          }
          const changing = chosen.filter((user) => !(user.direct.size === 1 && sameLicense(user.direct.get(license.skuId), license)));
          if (changing.length === 0) {
            release(...chosen);
            return undefined;
          }
          return {
            operation: 'bulk replace',
            request: { method: 'POST', path: '/admin/users/manage-licenses', body: { userIds: chosen.map((user) => user.id), mode: 'replace', licenses: [license] } },
            audit: { activity: 'Change user license', entries: changing.length },
            description: `replace the direct licenses of ${chosen.length} users with ${license.skuId}`,
            settle: (answer) => {
              if (isSuccess(answer)) {
                for (const user of chosen) {
                  user.direct = new Map([[license.skuId, [...license.disabledPlans]]]);
                }
              }
              release(...chosen);
            },
          };
        },
      ],
      [
        14,
        () => {
          const group = pick(groups) as GroupModel;
          const user = pick(users.filter((candidate) => !candidate.deleted && !group.members.has(candidate.id) && !group.busy.has(candidate.id)));
          if (user === undefined) {
            return undefined;
          }
          group.busy.add(user.id);
          return {
            operation: 'add member',
            request: { method: 'POST', path: `/v1.0/groups/${group.id}/members/$ref`, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}` } },
            audit: { activity: 'Add member to group', entries: 1 },
            description: `add ${user.id} to group ${group.id}`,
            settle: (answer) => {
              if (isSuccess(answer)) {
                group.members.add(user.id);
              }
              group.busy.delete(user.id);
            },
          };
        },
      ],
      [
        10,
        () => {
          const group = pick(groups) as GroupModel;
          const user = pick(users.filter((candidate) => !candidate.deleted && group.members.has(candidate.id) && !group.busy.has(candidate.id)));
          if (user === undefined) {
            return undefined;
          }
          group.busy.add(user.id);
          return {
            operation: 'remove member',
            request: { method: 'DELETE', path: `/v1.0/groups/${group.id}/members/${user.id}/$ref` },
            audit: { activity: 'Remove member from group', entries: 1 },
            description: `remove ${user.id} from group ${group.id}`,
            settle: (answer) => {
              if (isSuccess(answer)) {
                group.members.delete(user.id);
              }
              group.busy.delete(user.id);
            },
          };
        },
      ],
      [
        5,
        () => {
          if (users.filter((user) => user.deleted).length + deletesInFlight >= maxDeleted) {
            return undefined;
          }
          const user = take(idle((candidate) => !candidate.deleted));
          if (user === undefined) {
            return undefined;
          }
          deletesInFlight += 1;
          return {
            operation: 'delete user',
            request: { method: 'DELETE', path: `/v1.0/users/${user.id}` },
            audit: { activity: 'Delete user', entries: 1 },
            description: `delete ${user.id}`,
            settle: (answer) => {
              user.deleted ||= isSuccess(answer);
              deletesInFlight -= 1;
              release(user);
            },
          };
        },
      ],
      [
        5,
        () => {
          const user = take(idle((candidate) => candidate.deleted));
          return (
            user && {
              operation: 'restore user',
              request: { method: 'POST', path: `/v1.0/directory/deletedItems/${user.id}/restore` },
              audit: { activity: 'Restore user', entries: 1 },
              description: `restore ${user.id}`,
              settle: (answer) => {
                if (isSuccess(answer)) {
                  user.deleted = false;
                  // Direct licenses without a free seat are not restored.
                  user.direct = directLicensesOf(answer.body);
                }
                release(user);
              },
            }
          );
        },
      ],
      [
        6,
        () => {
          const subscription = pick(subscriptions.filter((candidate) => candidate.total > 0)) as SubscriptionModel;
          return {
            operation: 'remove seats',
            request: { method: 'POST', path: `/admin/subscriptions/${subscription.id}/remove-licenses`, body: { count: 1 } },
            audit: { activity: 'Remove licenses', entries: 1 },
            description: `remove a license from subscription ${subscription.id}`,
            settle: (answer) => {
              subscription.total -= isSuccess(answer) ? 1 : 0;
            },
          };
        },
      ],
      [
        6,
        () => {
          const subscription = pick(subscriptions.filter((candidate) => candidate.total < candidate.initial));
          return (
            subscription && {
              operation: 'add seats',
              request: { method: 'POST', path: `/admin/subscriptions/${subscription.id}/add-licenses`, body: { count: 1 } },
              audit: { activity: 'Add licenses', entries: 1 },
              description: `add a license to subscription ${subscription.id}`,
              settle: (answer) => {
                subscription.total += isSuccess(answer) ? 1 : 0;
              },
            }
          );
        },
      ],
    ];
    const totalWeight = plans.reduce((sum, [weight]) => sum + weight, 0);
    const plan = (): Planned | undefined => {
      let roll = random() * totalWeight;
      for (const [weight, make] of plans) {
        roll -= weight;
        if (roll < 0) {
          return make();
        }
      }
      return undefined;
    };

    const deadline = Date.now() + sizing.seconds * 1_000;
    const client = async (index: number) => {
      for (let round = index; Date.now() < deadline; round += 1) {
        const planned = plan();
        if (planned === undefined) {
          // Nothing to do for this pick right now (users busy or deleted): let the others run.
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        const server = servers[round % servers.length] as (typeof servers)[number];
        const answer = await send(server.server.url, server.authorization, planned.request);
        tally.record(planned.operation, answer);
        planned.settle(answer);
        if (isSuccess(answer)) {
          observed.push({ requestId: answer.requestId, activity: planned.audit.activity, entries: planned.audit.entries, description: planned.description });
        }
      }
    };
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: sizing.clients }, (_, index) => client(index)));
    const elapsed = (Date.now() - startedAt) / 1_000;
    await Promise.all(servers.map((server) => server.server.stop()));

    const requests = tally.total();
    console.info(
      `two servers on PostgreSQL: ${requests} requests in ${elapsed.toFixed(1)} s (${(requests / elapsed).toFixed(0)}/s), ${observed.length} changes, ` +
        `${tally.total((status) => status >= 400 && status < 500)} refusals, seed ${sizing.seed}\n${tally.report()}`,
    );
    expect(tally.failures(), servers.map((server) => server.server.output()).join('\n')).toEqual([]);

    await deployment.withDatabase(async (db) => {
      expect(await checkInvariants(db, { tenantIds: [tenant.tenantId] })).toEqual([]);
      expect(await checkAuditTrail(db, tenant.tenantId, observed)).toEqual([]);
      // The database holds what the clients were told, user by user, group by group.
      const direct = await sql<{ user_id: string; sku_id: string; disabled_plans: string[] }>`
        SELECT user_id, sku_id, disabled_plans FROM license_assignment WHERE tenant_id = ${tenant.tenantId} AND source_id = ${DIRECT_SOURCE}`.execute(db);
      const stored = new Map<string, string[]>(direct.rows.map((row) => [`${row.user_id} ${row.sku_id}`, [...row.disabled_plans].sort()]));
      const told = new Map(users.flatMap((user) => [...user.direct].map(([skuId, plans]) => [`${user.id} ${skuId}`, plans] as const)));
      expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(told));
      const deleted = await sql<{ user_id: string }>`SELECT user_id FROM directory_user WHERE tenant_id = ${tenant.tenantId} AND deleted_at IS NOT NULL ORDER BY user_id`.execute(db);
      expect(deleted.rows.map((row) => row.user_id)).toEqual(users.filter((user) => user.deleted).map((user) => user.id).sort());
      const members = await sql<{ group_id: string; member_id: string }>`
        SELECT group_id, member_id FROM group_member WHERE tenant_id = ${tenant.tenantId} ORDER BY group_id, member_id`.execute(db);
      expect(members.rows.map((row) => `${row.group_id} ${row.member_id}`)).toEqual(groups.flatMap((group) => [...group.members].map((userId) => `${group.id} ${userId}`)).sort());
      const totals = await sql<{ subscription_id: string; total_licenses: number }>`
        SELECT subscription_id, total_licenses FROM subscription WHERE tenant_id = ${tenant.tenantId} ORDER BY subscription_id`.execute(db);
      expect(totals.rows.map((row) => [row.subscription_id, row.total_licenses])).toEqual(subscriptions.map((subscription) => [subscription.id, subscription.total]).sort());
    });
    // The run did what it is for: the frequent changes succeeded, every kind was tried, and seats ran out.
    const report = tally.report();
    for (const operation of ['assign', 'remove', 'swap', 'add member', 'remove member', 'delete user']) {
      expect(report, `no ${operation} succeeded`).toMatch(new RegExp(`  ${operation}  2\\d\\d `));
    }
    for (const operation of ['bulk replace', 'restore user', 'remove seats', 'add seats']) {
      expect(report, `no ${operation} was sent`).toMatch(new RegExp(`  ${operation}  \\d{3} `));
    }
    expect(report, 'no assignment was refused for want of a seat').toMatch(/CountViolation/);
  });
});

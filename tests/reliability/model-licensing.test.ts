import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licensingSnapshot } from '../support/fixtures.js';
import { createTestApp, testContext, type TestApp } from '../support/test-app.js';
import { reliabilityRuns, replayOptions } from './runs.js';
import { checkInvariants } from './support/invariants.js';

/**
 * Model-based test of the licensing domain (issue 7): random sequences of license operations run
 * through the API against a small reference model of seats and sources, compared after every
 * command with what the API reads back. Each run gets a fresh tenant (every row Allot keeps is
 * tenant-scoped, so a new tenant is a new universe) in a database of its own for this file:
 * 6 users, 3 products with 2–3 seats and 2 plans each, 2 security groups. The products have no
 * plan rules, so seats are the only cause of refusals and group errors (CountViolation).
 *
 * What the model holds (the rules it checks):
 * - a user holds a product (one seat) while any source is active: a direct assignment, or a group
 *   the user is a member of that grants it and whose assignment for the user is not in error;
 * - seats consumed per product never exceed its licenses; a direct assignment that needs a seat
 *   when none is free is refused and changes nothing, and so is every other refusal;
 * - a group applies all or nothing per user; members are served earliest membership first
 *   (then by user id), a holder keeps its seat, and seats that free up go to nobody until a
 *   re-evaluation (no waitlist here);
 * - a deleted user frees its seats and keeps its assignments; a restore takes a seat per product
 *   where one is free and drops the product's assignments where none is, then re-evaluates groups.
 */

const RUNS = reliabilityRuns('ALLOT_MODEL_RUNS', 30);
const REPLAY = replayOptions('ALLOT_MODEL');
const MAX_COMMANDS = 40;

const USERS = 6;
const GROUPS = 2;
const SKU_NAMES = ['A', 'B', 'C'] as const;
/** Fixed ids of the run's products and plans (each tenant has a catalogue of its own). */
const SKUS = SKU_NAMES.map((name, index) => ({
  name,
  skuId: `5e1f0000-0000-4000-8000-00000000000${index + 1}`,
  planIds: [`5e1f0000-0000-4000-8000-0000000000${index + 1}1`, `5e1f0000-0000-4000-8000-0000000000${index + 1}2`],
}));

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

// ---------------------------------------------------------------------------------------------
// The real system: a fresh tenant, reached through the API
// ---------------------------------------------------------------------------------------------

interface Real {
  tenantId: string;
  headers: Record<string, string>;
  userIds: string[];
  groupIds: string[];
  subscriptionIds: string[];
}

async function freshTenant(seats: readonly number[]): Promise<Real> {
  const tenant = await t.services.tenants.createTenant(testContext('00000000-0000-0000-0000-000000000000'), {
    displayName: 'Model',
    domain: `model${Math.random().toString(36).slice(2, 10)}.onmicrosoft.com`,
    defaultUsageLocation: 'NL',
  });
  const context = testContext(tenant.tenantId);
  await t.services.catalogue.importCustomCatalogue(context, {
    products: SKUS.map((sku) => ({ skuId: sku.skuId, skuPartNumber: `MODEL_${sku.name}`, displayName: `Product ${sku.name}`, servicePlans: sku.planIds })),
    servicePlans: SKUS.flatMap((sku) => sku.planIds.map((planId, index) => ({ servicePlanId: planId, servicePlanName: `MODEL_${sku.name}${index + 1}`, friendlyName: `Plan ${sku.name}${index + 1}` }))),
    rules: [],
  });
  const subscriptionIds: string[] = [];
  for (const [index, sku] of SKUS.entries()) {
    subscriptionIds.push((await t.services.subscriptions.recordSubscription(context, { skuId: sku.skuId, totalLicenses: seats[index] ?? 2 })).subscriptionId);
  }
  const domain = tenant.domains[0]?.domain ?? '';
  const userIds: string[] = [];
  for (let index = 0; index < USERS; index += 1) {
    const created = await t.services.users.createUser(context, {
      userPrincipalName: `u${index}@${domain}`,
      displayName: `u${index}`,
      mailNickname: `u${index}`,
      mail: null,
      givenName: null,
      surname: null,
      jobTitle: null,
      department: null,
      usageLocation: 'NL',
      userType: 'Member',
      accountEnabled: true,
    });
    userIds.push(created.user.userId);
  }
  const groupIds: string[] = [];
  for (let index = 0; index < GROUPS; index += 1) {
    const group = await t.services.groups.createGroup(context, { displayName: `g${index}`, mailNickname: `g${index}`, mailEnabled: false, securityEnabled: true });
    groupIds.push(group.group.groupId);
  }
  return { tenantId: tenant.tenantId, headers: await t.appHeaders(tenant.tenantId), userIds, groupIds, subscriptionIds };
}

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

interface GroupRow {
  state: 'Active' | 'Error';
  disabledPlans: string[];
}

interface UserState {
  id: string;
  deleted: boolean;
  /** Direct assignments: product index → disabled plan ids (sorted). */
  direct: Map<number, string[]>;
  /** Group assignments, by `${group}:${product}`. */
  groupRows: Map<string, GroupRow>;
  /** Products the user holds a seat of. */
  seats: Set<number>;
}

interface GroupState {
  id: string;
  /** Members (user index) with the step they joined at. */
  members: Map<number, number>;
  /** Licenses: product index → disabled plan ids (sorted). */
  licenses: Map<number, string[]>;
}

class Model {
  readonly users: UserState[];
  readonly groups: GroupState[];
  readonly total: number[];
  step = 0;

  constructor(real: Real, seats: readonly number[]) {
    this.users = real.userIds.map((id) => ({ id, deleted: false, direct: new Map(), groupRows: new Map(), seats: new Set() }));
    this.groups = real.groupIds.map((id) => ({ id, members: new Map(), licenses: new Map() }));
    this.total = [...seats];
  }

  consumed(sku: number): number {
    return this.users.filter((user) => !user.deleted && user.seats.has(sku)).length;
  }

  free(sku: number): number {
    return (this.total[sku] ?? 0) - this.consumed(sku);
  }

  /** Products a user holds from active sources: direct ones and active group rows. */
  activeSources(user: UserState): Map<number, string[][]> {
    const sources = new Map<number, string[][]>();
    const add = (sku: number, disabled: string[]) => sources.set(sku, [...(sources.get(sku) ?? []), disabled]);
    user.direct.forEach((disabled, sku) => add(sku, disabled));
    user.groupRows.forEach((row, key) => {
      if (row.state === 'Active') {
        add(Number(key.split(':')[1]), row.disabledPlans);
      }
    });
    return sources;
  }

  /** The groups with licenses a user is a member of, earliest first (then by group id). */
  licensedMemberships(user: number): { group: number; since: number }[] {
    return this.groups
      .map((group, index) => ({ group: index, since: group.members.get(user), licensed: group.licenses.size > 0, id: group.id }))
      .filter((entry): entry is { group: number; since: number; licensed: true; id: string } => entry.since !== undefined && entry.licensed)
      .sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(({ group, since }) => ({ group, since }));
  }

  /**
   * Group licensing for these users (active ones): what each user's groups grant, all or nothing
   * per group, with seats given earliest membership first; seats a user gives up anyway are free
   * before anyone competes.
   */
  reapply(userIndexes: readonly number[]): void {
    const candidates = [...new Set(userIndexes)].filter((index) => !(this.users[index] as UserState).deleted);
    const free = SKUS.map((_, sku) => this.free(sku));
    const evaluate = (index: number, limited: boolean): { rows: Map<string, GroupRow>; held: Set<number> } => {
      const user = this.users[index] as UserState;
      const held = new Set(user.direct.keys());
      const rows = new Map<string, GroupRow>();
      for (const { group } of this.licensedMemberships(index)) {
        const licenses = (this.groups[group] as GroupState).licenses;
        const needed = [...licenses.keys()].filter((sku) => !held.has(sku) && !user.seats.has(sku));
        const short = limited && needed.some((sku) => (free[sku] ?? 0) < 1);
        if (limited && !short) {
          needed.forEach((sku) => (free[sku] = (free[sku] ?? 0) - 1));
        }
        licenses.forEach((disabledPlans, sku) => {
          rows.set(`${group}:${sku}`, { state: short ? 'Error' : 'Active', disabledPlans });
          if (!short) {
            held.add(sku);
          }
        });
      }
      return { rows, held };
    };
    // Seats users give up whatever happens (left a group, lost a license) are free first.
    const freedEarly = new Map<number, Set<number>>();
    for (const index of candidates) {
      const user = this.users[index] as UserState;
      const { held } = evaluate(index, false);
      const freed = new Set([...user.seats].filter((sku) => !held.has(sku)));
      freedEarly.set(index, freed);
      freed.forEach((sku) => (free[sku] = (free[sku] ?? 0) + 1));
    }
    const earliest = (index: number) => Math.min(...this.licensedMemberships(index).map((membership) => membership.since), Number.MAX_SAFE_INTEGER);
    const ordered = [...candidates].sort((a, b) => earliest(a) - earliest(b) || ((this.users[a] as UserState).id < (this.users[b] as UserState).id ? -1 : 1));
    for (const index of ordered) {
      const user = this.users[index] as UserState;
      const { rows, held } = evaluate(index, true);
      // A seat lost only for want of another (all or nothing per group) frees up now.
      user.seats.forEach((sku) => {
        if (!held.has(sku) && !(freedEarly.get(index)?.has(sku) ?? false)) {
          free[sku] = (free[sku] ?? 0) + 1;
        }
      });
      user.groupRows = rows;
      user.seats = held;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** What the model expects of a request: success, or a refusal with this status. */
type Expected = 'ok' | 400 | 404;

const nameOfPlans = (sku: number, plans: readonly number[]) => `[${plans.map((plan) => `${SKUS[sku]?.name ?? '?'}${plan + 1}`).join(',')}]`;
const planIds = (sku: number, plans: readonly number[]) => plans.map((plan) => SKUS[sku]?.planIds[plan] as string).sort();

abstract class LicensingCommand implements fc.AsyncCommand<Model, Real> {
  /**
   * Commands that act on something that may not exist (an assignment, a membership, a deleted
   * user) come with a generated target, or with `pick`: an index into what exists when the command
   * runs, so sequences reach the states those commands change (the target is resolved in check).
   */
  constructor(protected readonly pick?: number) {}

  check(model: Readonly<Model>): boolean {
    return this.pick === undefined || this.resolve(model, this.pick);
  }

  /** Sets the target to the `pick`-th thing that exists; false when nothing does. */
  protected resolve(_model: Readonly<Model>, _pick: number): boolean {
    return true;
  }

  /** Applies the command to the model and says what the API should answer. */
  protected abstract expect(model: Model): Expected;

  protected abstract send(real: Real): Promise<LightMyRequestResponse>;

  /** The user whose licenseDetails are read back after the command, if any. */
  protected subject(): number | undefined {
    return undefined;
  }

  abstract toString(): string;

  async run(model: Model, real: Real): Promise<void> {
    t.clock.advance(1000);
    model.step += 1;
    const expected = this.expect(model);
    const before = expected === 'ok' ? undefined : await licensingSnapshot(t.handle.db, real.tenantId);
    const response = await this.send(real);
    const label = `${this.toString()} → ${response.statusCode} ${response.body.slice(0, 400)}`;
    if (expected === 'ok') {
      expect(response.statusCode, `${label}\n  the model expected success`).toBeLessThan(300);
    } else {
      expect(response.statusCode, `${label}\n  the model expected ${expected}`).toBe(expected);
      expect(await licensingSnapshot(t.handle.db, real.tenantId), `${label}\n  a refused request changed licensing data`).toEqual(before);
    }
    await compare(model, real, this.toString(), this.subject());
  }
}

const inject = (real: Real, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: real.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

class AssignDirect extends LicensingCommand {
  constructor(readonly user: number, readonly sku: number, readonly disabled: readonly number[]) {
    super();
  }
  protected expect(model: Model): Expected {
    const user = model.users[this.user] as UserState;
    if (user.deleted) {
      return 404;
    }
    if (!user.seats.has(this.sku)) {
      if (model.free(this.sku) < 1) {
        return 400;
      }
      user.seats.add(this.sku);
    }
    user.direct.set(this.sku, planIds(this.sku, this.disabled));
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'POST', `/v1.0/users/${real.userIds[this.user]}/assignLicense`, {
      addLicenses: [{ skuId: SKUS[this.sku]?.skuId, disabledPlans: planIds(this.sku, this.disabled) }],
      removeLicenses: [],
    });
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `assign(u${this.user}, ${SKUS[this.sku]?.name}, off=${nameOfPlans(this.sku, this.disabled)})`;
  }
}

/** The `pick`-th of a list, or undefined for an empty one. */
const nth = <T>(items: readonly T[], pick: number): T | undefined => items[pick % Math.max(1, items.length)];

class RemoveDirect extends LicensingCommand {
  constructor(public user: number, public sku: number, pick?: number) {
    super(pick);
  }
  protected override resolve(model: Readonly<Model>, pick: number) {
    const chosen = nth(model.users.flatMap((user, index) => (user.deleted ? [] : [...user.direct.keys()].map((sku) => [index, sku] as const))), pick);
    [this.user, this.sku] = chosen ?? [this.user, this.sku];
    return chosen !== undefined;
  }
  protected expect(model: Model): Expected {
    const user = model.users[this.user] as UserState;
    if (user.deleted) {
      return 404;
    }
    if (!user.direct.has(this.sku)) {
      return 400;
    }
    user.direct.delete(this.sku);
    if (!model.activeSources(user).has(this.sku)) {
      user.seats.delete(this.sku);
    }
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'POST', `/v1.0/users/${real.userIds[this.user]}/assignLicense`, { addLicenses: [], removeLicenses: [SKUS[this.sku]?.skuId] });
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `unassign(u${this.user}, ${SKUS[this.sku]?.name})`;
  }
}

class AddMember extends LicensingCommand {
  constructor(readonly group: number, readonly user: number) {
    super();
  }
  protected expect(model: Model): Expected {
    const group = model.groups[this.group] as GroupState;
    if ((model.users[this.user] as UserState).deleted) {
      return 404;
    }
    if (group.members.has(this.user)) {
      return 400;
    }
    group.members.set(this.user, model.step);
    if (group.licenses.size > 0) {
      model.reapply([this.user]);
    }
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'POST', `/v1.0/groups/${real.groupIds[this.group]}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${real.userIds[this.user]}` });
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `join(g${this.group}, u${this.user})`;
  }
}

class RemoveMember extends LicensingCommand {
  constructor(public group: number, public user: number, pick?: number) {
    super(pick);
  }
  protected override resolve(model: Readonly<Model>, pick: number) {
    const chosen = nth(model.groups.flatMap((group, index) => [...group.members.keys()].filter((member) => !(model.users[member] as UserState).deleted).map((member) => [index, member] as const)), pick);
    [this.group, this.user] = chosen ?? [this.group, this.user];
    return chosen !== undefined;
  }
  protected expect(model: Model): Expected {
    const group = model.groups[this.group] as GroupState;
    const user = model.users[this.user] as UserState;
    if (user.deleted || !group.members.has(this.user)) {
      return 404;
    }
    group.members.delete(this.user);
    if ([...user.groupRows.keys()].some((key) => key.startsWith(`${this.group}:`))) {
      model.reapply([this.user]);
    }
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'DELETE', `/v1.0/groups/${real.groupIds[this.group]}/members/${real.userIds[this.user]}/$ref`);
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `leave(g${this.group}, u${this.user})`;
  }
}

class GroupLicense extends LicensingCommand {
  constructor(public group: number, public sku: number, readonly disabled: readonly number[] | 'remove', pick?: number) {
    super(pick);
  }
  protected override resolve(model: Readonly<Model>, pick: number) {
    const chosen = nth(model.groups.flatMap((group, index) => [...group.licenses.keys()].map((sku) => [index, sku] as const)), pick);
    [this.group, this.sku] = chosen ?? [this.group, this.sku];
    return chosen !== undefined;
  }
  protected expect(model: Model): Expected {
    const group = model.groups[this.group] as GroupState;
    if (this.disabled === 'remove') {
      if (!group.licenses.has(this.sku)) {
        return 400;
      }
      group.licenses.delete(this.sku);
    } else {
      group.licenses.set(this.sku, planIds(this.sku, this.disabled));
    }
    // Its members, and users still carrying its rows (a removed license's contributions).
    const carrying = model.users.flatMap((user, index) => ([...user.groupRows.keys()].some((key) => key.startsWith(`${this.group}:`)) ? [index] : []));
    model.reapply([...group.members.keys(), ...carrying]);
    return 'ok';
  }
  protected send(real: Real) {
    const skuId = SKUS[this.sku]?.skuId;
    return inject(
      real,
      'POST',
      `/v1.0/groups/${real.groupIds[this.group]}/assignLicense`,
      this.disabled === 'remove' ? { addLicenses: [], removeLicenses: [skuId] } : { addLicenses: [{ skuId, disabledPlans: planIds(this.sku, this.disabled) }], removeLicenses: [] },
    );
  }
  toString() {
    return this.disabled === 'remove' ? `groupRemove(g${this.group}, ${SKUS[this.sku]?.name})` : `groupAssign(g${this.group}, ${SKUS[this.sku]?.name}, off=${nameOfPlans(this.sku, this.disabled)})`;
  }
}

class DeleteUser extends LicensingCommand {
  constructor(readonly user: number) {
    super();
  }
  protected expect(model: Model): Expected {
    const user = model.users[this.user] as UserState;
    if (user.deleted) {
      return 404;
    }
    user.deleted = true;
    user.seats = new Set();
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'DELETE', `/v1.0/users/${real.userIds[this.user]}`);
  }
  toString() {
    return `delete(u${this.user})`;
  }
}

class RestoreUser extends LicensingCommand {
  constructor(public user: number, pick?: number) {
    super(pick);
  }
  protected override resolve(model: Readonly<Model>, pick: number) {
    const chosen = nth(model.users.flatMap((user, index) => (user.deleted ? [index] : [])), pick);
    this.user = chosen ?? this.user;
    return chosen !== undefined;
  }
  protected expect(model: Model): Expected {
    const user = model.users[this.user] as UserState;
    if (!user.deleted) {
      return 404;
    }
    user.deleted = false;
    // A seat per product held before, where one is free; a product without one loses its assignments.
    for (const sku of [...model.activeSources(user).keys()].sort((a, b) => ((SKUS[a]?.skuId ?? '') < (SKUS[b]?.skuId ?? '') ? -1 : 1))) {
      if (model.free(sku) >= 1) {
        user.seats.add(sku);
      } else {
        user.direct.delete(sku);
        for (const key of [...user.groupRows.keys()]) {
          if (key.endsWith(`:${sku}`) && user.groupRows.get(key)?.state === 'Active') {
            user.groupRows.delete(key);
          }
        }
      }
    }
    model.reapply([this.user]);
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'POST', `/v1.0/directory/deletedItems/${real.userIds[this.user]}/restore`);
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `restore(u${this.user})`;
  }
}

class ChangeSeats extends LicensingCommand {
  constructor(readonly sku: number, readonly delta: number) {
    super();
  }
  protected expect(model: Model): Expected {
    const total = (model.total[this.sku] ?? 0) + this.delta;
    if (total < model.consumed(this.sku)) {
      return 400;
    }
    model.total[this.sku] = total;
    return 'ok';
  }
  protected send(real: Real) {
    const path = this.delta > 0 ? 'add-licenses' : 'remove-licenses';
    return inject(real, 'POST', `/admin/subscriptions/${real.subscriptionIds[this.sku]}/${path}`, { count: Math.abs(this.delta) });
  }
  toString() {
    return `seats(${SKUS[this.sku]?.name}, ${this.delta > 0 ? '+' : ''}${this.delta})`;
  }
}

class Reprocess extends LicensingCommand {
  constructor(readonly user: number) {
    super();
  }
  protected expect(model: Model): Expected {
    if ((model.users[this.user] as UserState).deleted) {
      return 404;
    }
    model.reapply([this.user]);
    return 'ok';
  }
  protected send(real: Real) {
    return inject(real, 'POST', `/v1.0/users/${real.userIds[this.user]}/reprocessLicenseAssignment`);
  }
  protected override subject() {
    return this.user;
  }
  toString() {
    return `reprocess(u${this.user})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison with what the API reads back
// ---------------------------------------------------------------------------------------------

interface ApiUser {
  id: string;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  licenseAssignmentStates: { skuId: string; assignedByGroup: string | null; disabledPlans: string[]; state: string; error: string }[];
}

const bySkuAndSource = (a: { skuId: string; assignedByGroup: string | null }, b: { skuId: string; assignedByGroup: string | null }) =>
  a.skuId.localeCompare(b.skuId) || (a.assignedByGroup ?? '').localeCompare(b.assignedByGroup ?? '');

function expectedUser(model: Model, user: UserState): Omit<ApiUser, 'id'> {
  const states = [
    ...[...user.direct].map(([sku, disabledPlans]) => ({ skuId: SKUS[sku]?.skuId ?? '', assignedByGroup: null, disabledPlans, state: 'Active', error: 'None' })),
    ...[...user.groupRows].map(([key, row]) => {
      const [group, sku] = key.split(':').map(Number) as [number, number];
      return { skuId: SKUS[sku]?.skuId ?? '', assignedByGroup: model.groups[group]?.id ?? '', disabledPlans: row.disabledPlans, state: row.state, error: row.state === 'Error' ? 'CountViolation' : 'None' };
    }),
  ].sort(bySkuAndSource);
  // One license per product held; a plan is off only when every active source turns it off.
  const assignedLicenses = [...model.activeSources(user)]
    .map(([sku, sources]) => ({ skuId: SKUS[sku]?.skuId ?? '', disabledPlans: (sources[0] ?? []).filter((plan) => sources.every((disabled) => disabled.includes(plan))).sort() }))
    .sort((a, b) => a.skuId.localeCompare(b.skuId));
  return { assignedLicenses, licenseAssignmentStates: states };
}

async function compare(model: Model, real: Real, after: string, subject: number | undefined): Promise<void> {
  const label = (what: string) => `after ${after}: ${what}`;
  // The model's own rule first: a user holds a product exactly while a source of it is active
  // (so one with a direct and a group source keeps it until both are gone).
  for (const [index, user] of model.users.entries()) {
    if (!user.deleted) {
      expect([...user.seats].sort(), label(`model: the seats of u${index} are not its active sources`)).toEqual([...model.activeSources(user).keys()].sort());
    }
  }

  const users = await inject(real, 'GET', '/v1.0/users?$select=id,assignedLicenses,licenseAssignmentStates&$top=999');
  expect(users.statusCode, users.body).toBe(200);
  const listed = new Map(users.json<{ value: ApiUser[] }>().value.map((user) => [user.id, user]));
  for (const [index, user] of model.users.entries()) {
    const found = listed.get(user.id);
    if (user.deleted) {
      expect(found, label(`u${index} is deleted but listed`)).toBeUndefined();
      continue;
    }
    const actual = found === undefined ? undefined : { assignedLicenses: found.assignedLicenses, licenseAssignmentStates: [...found.licenseAssignmentStates].map(({ skuId, assignedByGroup, disabledPlans, state, error }) => ({ skuId, assignedByGroup, disabledPlans: [...disabledPlans].sort(), state, error })).sort(bySkuAndSource) };
    expect(actual, label(`licenses of u${index}`)).toEqual(expectedUser(model, user));
  }

  const skus = await inject(real, 'GET', '/v1.0/subscribedSkus');
  expect(skus.statusCode, skus.body).toBe(200);
  const subscribed = skus.json<{ value: { skuId: string; consumedUnits: number; prepaidUnits: { enabled: number } }[] }>().value;
  for (const [sku, { skuId, name }] of SKUS.entries()) {
    const found = subscribed.find((entry) => entry.skuId === skuId);
    expect({ consumed: found?.consumedUnits, licenses: found?.prepaidUnits.enabled }, label(`seats of ${name}`)).toEqual({ consumed: model.consumed(sku), licenses: model.total[sku] });
    expect(found?.consumedUnits ?? 0, label(`${name} has more seats consumed than licenses`)).toBeLessThanOrEqual(found?.prepaidUnits.enabled ?? 0);
  }

  if (subject !== undefined && !(model.users[subject] as UserState).deleted) {
    const user = model.users[subject] as UserState;
    const details = await inject(real, 'GET', `/v1.0/users/${user.id}/licenseDetails`);
    expect(details.statusCode, details.body).toBe(200);
    const actual = details
      .json<{ value: { skuId: string; servicePlans: { servicePlanId: string; provisioningStatus: string }[] }[] }>()
      .value.map((license) => ({ skuId: license.skuId, off: license.servicePlans.filter((plan) => plan.provisioningStatus === 'Disabled').map((plan) => plan.servicePlanId).sort() }))
      .sort((a, b) => a.skuId.localeCompare(b.skuId));
    expect(actual, label(`licenseDetails of u${subject}`)).toEqual(expectedUser(model, user).assignedLicenses.map((license) => ({ skuId: license.skuId, off: license.disabledPlans })));
  }
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

const user = fc.nat({ max: USERS - 1 });
const group = fc.nat({ max: GROUPS - 1 });
const sku = fc.nat({ max: SKU_NAMES.length - 1 });
const pick = fc.nat({ max: 20 });
/** At most one of a product's two plans off (turning every plan off is not what admins do). */
const disabled = fc.constantFrom<number[]>([], [], [0], [1]);

/** Weighted towards what fills seats (assignments, joins, group licenses), so sequences reach the edges. */
const commands = fc.commands(
  [
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(user, sku, disabled).map(([u, s, off]) => new AssignDirect(u, s, off)) },
      { weight: 1, arbitrary: fc.tuple(user, sku).map(([u, s]) => new RemoveDirect(u, s)) },
      { weight: 3, arbitrary: pick.map((index) => new RemoveDirect(0, 0, index)) },
      { weight: 5, arbitrary: fc.tuple(group, user).map(([g, u]) => new AddMember(g, u)) },
      { weight: 1, arbitrary: fc.tuple(group, user).map(([g, u]) => new RemoveMember(g, u)) },
      { weight: 3, arbitrary: pick.map((index) => new RemoveMember(0, 0, index)) },
      { weight: 3, arbitrary: fc.tuple(group, sku, disabled).map(([g, s, off]) => new GroupLicense(g, s, off)) },
      { weight: 1, arbitrary: fc.tuple(group, sku).map(([g, s]) => new GroupLicense(g, s, 'remove')) },
      { weight: 1, arbitrary: pick.map((index) => new GroupLicense(0, 0, 'remove', index)) },
      { weight: 1, arbitrary: user.map((u) => new DeleteUser(u)) },
      { weight: 1, arbitrary: user.map((u) => new RestoreUser(u)) },
      { weight: 2, arbitrary: pick.map((index) => new RestoreUser(0, index)) },
      { weight: 2, arbitrary: fc.tuple(sku, fc.constantFrom(-2, -1, 1, 2)).map(([s, delta]) => new ChangeSeats(s, delta)) },
      { weight: 2, arbitrary: user.map((u) => new Reprocess(u)) },
    ),
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

describe('licensing against its reference model', () => {
  it(
    'matches the model after every command, and refusals change nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 2, max: 3 }), { minLength: SKU_NAMES.length, maxLength: SKU_NAMES.length }), commands, async (seats, sequence) => {
          const real = await freshTenant(seats);
          await fc.asyncModelRun(() => ({ model: new Model(real, seats), real }), sequence);
          // At rest, whatever happened: counters equal a recount, and every rule of the invariant checker holds.
          expect(await t.services.subscriptions.verifyCounters(testContext(real.tenantId))).toEqual({ mismatches: [] });
          expect(await checkInvariants(t.handle.db, { tenantIds: [real.tenantId] })).toEqual([]);
        }),
        { numRuns: RUNS, ...REPLAY },
      );
    },
    60_000 + RUNS * 4_000,
  );
});

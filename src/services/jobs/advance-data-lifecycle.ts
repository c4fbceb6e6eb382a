import type { AuditEntry } from '../../domain/audit.js';
import { isEnterpriseSku, settleDataRecord, type DataRecord, type DataState, type DataTransition } from '../../domain/data-lifecycle.js';
import type { DueDataRecord } from '../../db/repositories/user-data.repository.js';
import { loadTenantCatalogue } from '../catalogue.service.js';
import { emitDataTransitions } from '../data-lifecycle.service.js';
import type { ServiceDeps } from '../deps.js';
import type { Job } from './job-runner.js';

const ACTIVITY: Partial<Record<DataState, string>> = { Purged: 'Purge user data', Retained: 'Retain user data', Inactive: 'Make mailbox inactive' };

interface Move {
  record: DueDataRecord;
  to: DataState;
}

const movesOf = (due: readonly DueDataRecord[], now: Date): Move[] =>
  due.flatMap((record) => {
    const to = settleDataRecord(record, record, now);
    return to === undefined ? [] : [{ record, to }];
  });

const label = (move: Move): string => `${move.record.userPrincipalName ?? move.record.userId} ${move.record.dataClass}: ${move.record.state} → ${move.to}`;

/**
 * Settles data records at `now` (domain/data-lifecycle.ts#settleDataRecord): a grace that ended
 * becomes Retained, Inactive or Purged; Retained and Inactive records follow their holds. Chunks
 * walk the due records in (user, class) order, each a transaction that locks its records, with an
 * audit entry per record (actor: the system principal) and one data.lifecycleChanged event.
 */
export const advanceDataLifecycle = (deps: ServiceDeps): Job => ({
  name: 'advanceDataLifecycle',
  async run(ctx) {
    const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, ctx.repos);
    const enterpriseSkuIds = catalogue.skus.filter(isEnterpriseSku).map((sku) => sku.skuId);
    let after: { userId: string; dataClass: string } | undefined;
    for (;;) {
      const page = { now: ctx.now, enterpriseSkuIds, limit: ctx.chunkSize, ...(after === undefined ? {} : { after }) };
      if (!ctx.apply) {
        const due = await ctx.repos.userData.due({ ...page, lock: false });
        const moves = movesOf(due, ctx.now);
        ctx.affect(moves.length, moves.map(label));
        if (due.length < ctx.chunkSize) {
          return;
        }
        after = due.at(-1);
        continue;
      }
      const chunk = await ctx.transaction(async (repos) => {
        const due = await repos.userData.due({ ...page, lock: true });
        const moves = movesOf(due, ctx.now);
        await repos.userData.write(
          moves.map(({ record, to }): DataRecord => ({ userId: record.userId, dataClass: record.dataClass, state: to, since: ctx.now, graceUntil: null, lastSkuId: record.lastSkuId })),
        );
        const entries: AuditEntry[] = moves.map(({ record, to }) => ({
          category: 'UserManagement',
          activity: ACTIVITY[to] ?? 'Change user data state',
          target: { type: 'User', id: record.userId, name: record.userPrincipalName },
          changes: [{ property: `DataState.${record.dataClass}`, before: record.state, after: to }],
          details: { dataClass: record.dataClass, graceUntil: record.graceUntil?.toISOString() ?? null, holdApplies: record.holdApplies, userDeleted: record.userDeleted, lastSkuId: record.lastSkuId },
        }));
        await repos.audit.record(ctx.context, entries, ctx.clock.now(), ctx.ids);
        const transitions: DataTransition[] = moves.map(({ record, to }) => ({ userId: record.userId, dataClass: record.dataClass, from: record.state, to, graceUntil: null }));
        await emitDataTransitions(repos, 'job', transitions, ctx.now, ctx.ids);
        return { listed: due.length, last: due.at(-1), moves };
      });
      ctx.affect(chunk.moves.length, chunk.moves.map(label));
      if (chunk.listed < ctx.chunkSize || chunk.last === undefined) {
        return;
      }
      after = chunk.last;
    }
  },
});

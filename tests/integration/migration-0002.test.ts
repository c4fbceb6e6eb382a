import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateTo } from '../../src/db/migrate.js';
import { testEngine } from '../support/engine.js';

/** 0002 repartitions the audit log: rows written before it keep their data and get whole monthly partitions. */
describe.runIf(testEngine() === 'pglite')('migration 0002 over an existing audit log', () => {
  it('moves old rows into monthly partitions that retention can drop whole', async () => {
    const handle = await openDatabase({ engine: 'pglite' });
    try {
      await migrateTo(handle.db, '0001-initial');
      const tenantId = 'c0a7e5d1-2b3f-4e6a-9c8d-0e1f2a3b4c5d';
      await sql`INSERT INTO tenant (tenant_id, display_name) VALUES (${tenantId}, 'Contoso')`.execute(handle.db);
      for (const [id, at] of [
        ['00000000-0000-4000-8000-000000000001', '2026-09-30T23:30:00Z'],
        ['00000000-0000-4000-8000-000000000002', '2026-10-01T00:30:00Z'],
      ] as const) {
        await sql`INSERT INTO audit_log (tenant_id, audit_id, occurred_at, category, activity, actor_type, actor_id, target_type)
                  VALUES (${tenantId}, ${id}, ${at}, 'UserManagement', 'Add user', 'system', 'allot-system', 'User')`.execute(handle.db);
      }
      await migrateTo(handle.db, '0002-identity');
      const placed = await sql<{ partition: string; n: number }>`
        SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM audit_log GROUP BY 1 ORDER BY 1`.execute(handle.db);
      expect(placed.rows).toEqual([
        { partition: 'audit_log_y2026m09', n: 1 },
        { partition: 'audit_log_y2026m10', n: 1 },
      ]);
      await expect(sql`TRUNCATE audit_log_y2026m09`.execute(handle.db)).rejects.toThrow(/append-only/);
      await expect(sql`UPDATE audit_log SET activity = 'x'`.execute(handle.db)).rejects.toThrow(/append-only/);
    } finally {
      await handle.close();
    }
  }, 60_000);
});

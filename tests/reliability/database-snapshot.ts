import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/** Every row of every table, as text, per table: what "nothing changed" is measured against. */
export type DatabaseSnapshot = Map<string, string[]>;

/**
 * Reads every ordinary and partitioned table of the schema (a partition through its parent, so
 * each row counts once), rows as PostgreSQL's text form of the whole row, sorted. Sequences are
 * left out: a refused insert may use up an identity value without storing anything.
 */
export async function snapshotDatabase(db: Kysely<Database>): Promise<DatabaseSnapshot> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY 1`.execute(db);
  const snapshot: DatabaseSnapshot = new Map();
  for (const { name } of tables.rows) {
    const { rows } = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(name)} t ORDER BY 1`.execute(db);
    snapshot.set(
      name,
      rows.map((entry) => entry.row),
    );
  }
  return snapshot;
}

/** Rows added and removed per table between two snapshots (an updated row is one of each); empty when equal. */
export function snapshotDifferences(before: DatabaseSnapshot, after: DatabaseSnapshot, limit = 5): Record<string, { added: string[]; removed: string[] }> {
  const differences: Record<string, { added: string[]; removed: string[] }> = {};
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const counts = new Map<string, number>();
    for (const row of before.get(table) ?? []) {
      counts.set(row, (counts.get(row) ?? 0) - 1);
    }
    for (const row of after.get(table) ?? []) {
      counts.set(row, (counts.get(row) ?? 0) + 1);
    }
    const added = [...counts].filter(([, count]) => count > 0).map(([row]) => row);
    const removed = [...counts].filter(([, count]) => count < 0).map(([row]) => row);
    if (added.length > 0 || removed.length > 0) {
      differences[table] = { added: added.slice(0, limit), removed: removed.slice(0, limit) };
    }
  }
  return differences;
}

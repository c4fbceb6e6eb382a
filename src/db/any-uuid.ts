import { sql, type RawBuilder } from 'kysely';

/**
 * `= ANY($1::uuid[])`: one parameter for a list of ids of any length. `IN (…)` binds one
 * parameter per id, and PostgreSQL refuses more than 65,535 (a 100k-member group).
 */
export const anyUuid = (ids: readonly string[]): RawBuilder<string> => sql<string>`ANY(${[...ids]}::uuid[])`;

/** Which engine this test project runs on (set per vitest project). */
export function testEngine(): 'pglite' | 'postgres' {
  const engine = process.env.ALLOT_TEST_ENGINE ?? 'pglite';
  if (engine !== 'pglite' && engine !== 'postgres') {
    throw new Error(`ALLOT_TEST_ENGINE must be pglite or postgres, not ${engine}`);
  }
  return engine;
}

/** TEST_DATABASE_URL with another database name (the template, a per-file clone). */
export function adminUrl(database?: string): string {
  const base = process.env.TEST_DATABASE_URL;
  if (base === undefined) {
    throw new Error('TEST_DATABASE_URL is required for the postgres test project');
  }
  if (database === undefined) {
    return base;
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: local, user postgres, trust authentication (.ci/run starts it). */
export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A schema name of this run's own, so parallel test files and runs never see each other's tables. */
export function scratchSchema(prefix = 'test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string, url = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadTestDatabaseAdminUrl } from './config.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty, randomly named database on the test server; drop() removes it even if still in use. */
export async function createTestDatabase(adminUrl: string = loadTestDatabaseAdminUrl()): Promise<TestDatabase> {
  const name = `xling_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin(adminUrl: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

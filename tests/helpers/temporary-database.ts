import pg from "pg";
import { afterAll, beforeAll } from "vitest";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL database of the suite's own, created before its tests and dropped after them (with any
 * connection a Rose instance left open), so suites running side by side never share tables.
 */
export function useTemporaryDatabase(prefix: string): { url: string } {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  beforeAll(() => admin(`CREATE DATABASE ${name}`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return { url: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`) };
}

/**
 * Ends a test's own pool once its connections have really closed. pg-pool's end() resolves as soon as it
 * has asked them to close; a DROP DATABASE … WITH (FORCE) right after would cut them off mid-close, and
 * the pool (no one listening for its errors) would throw that as an uncaught error in whichever test runs.
 */
export async function endPool(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on("remove", () => {
      if (--open === 0) resolve();
    });
  });
  await pool.end();
  await closed;
}

import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/core/ids.js";
import { failureKey } from "../src/modules/accounts/account-export.js";
import { PgAccountStore } from "../src/modules/accounts/pg-account-store.js";
import { SqliteAccountStore } from "../src/modules/accounts/sqlite-account-store.js";
import type { AccountStore } from "../src/modules/accounts/types.js";
import { endPool } from "./helpers/temporary-database.js";

/**
 * The account stores' personal-data contract, on SQLite and PostgreSQL: exportUser gives what the person
 * can recognise and never a hash, key or token; eraseUser leaves no row that names them in any table.
 */

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_account_store_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
let pool: pg.Pool;
const sqlite = new Database(":memory:");

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  pool = new pg.Pool({ connectionString: databaseUrl });
});
afterAll(async () => {
  await endPool(pool);
  sqlite.close();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

/** Every cell of every table, as text: what an auditor would grep for the person's traces. */
async function everyCell(kind: "sqlite" | "postgres"): Promise<string> {
  if (kind === "sqlite") {
    const tables = sqlite.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    return tables.map((t) => JSON.stringify(sqlite.prepare(`SELECT * FROM "${t.name}"`).all())).join("\n");
  }
  const { rows } = await pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  const dumps = await Promise.all(rows.map(async (t) => JSON.stringify((await pool.query(`SELECT * FROM "${t.table_name}"`)).rows)));
  return dumps.join("\n");
}

describe.each(["sqlite", "postgres"] as const)("the %s account store", (kind) => {
  let store: AccountStore;
  beforeAll(async () => {
    store = kind === "sqlite" ? new SqliteAccountStore(sqlite) : await PgAccountStore.open(pool);
  });

  async function person(email: string) {
    const id = newId();
    const now = Date.now();
    expect(await store.createAccount({ id, email, passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", createdAt: now })).toBe("created");
    const sessionId = await store.createSession(id, now, "password");
    await store.addRefreshToken(`refresh-hash-${id}`, sessionId, id, now, now + 60_000);
    await store.addPasskey({
      id: `cred-${id}`,
      userId: id,
      publicKey: new Uint8Array([1, 2, 3, 4]),
      counter: 0,
      transports: ["internal"],
      name: "Laptop",
      createdAt: now,
      lastUsedAt: null,
    });
    await store.saveChallenge({
      id: newId(),
      purpose: "register",
      challenge: "c",
      userId: id,
      createsAccount: false,
      rpId: "rose.example",
      origins: [],
      expiresAt: now + 60_000,
    });
    await store.recordFailure(failureKey(email), now, 5, 60_000);
    return { id, sessionId };
  }

  it("refuses a second account with the same email, or the same id", async () => {
    const email = `dup.${kind}@example.com`;
    const { id } = await person(email);
    expect(await store.createAccount({ id: newId(), email, passwordHash: null, createdAt: Date.now() })).toBe("email_taken");
    expect(await store.createAccount({ id, email: `other.${kind}@example.com`, passwordHash: null, createdAt: Date.now() })).toBe("id_taken");
    // Accounts made with a passkey alone have no email: any number of them.
    for (let i = 0; i < 2; i++) expect(await store.createAccount({ id: newId(), email: null, passwordHash: null, createdAt: Date.now() })).toBe("created");
  });

  it("retires a refresh token atomically: of two concurrent uses exactly one succeeds, the other is a reuse", async () => {
    const { id, sessionId } = await person(`race.${kind}@example.com`);
    const uses = await Promise.all([store.useRefreshToken(`refresh-hash-${id}`, Date.now()), store.useRefreshToken(`refresh-hash-${id}`, Date.now())]);
    expect(uses.map((u) => u.status).sort()).toEqual(["ok", "reused"]);
    expect(uses.find((u) => u.status === "ok")).toMatchObject({ sessionId, userId: id });
  });

  it("exports the account without secrets, and erases every trace of the person while leaving others alone", async () => {
    const email = `erase.${kind}@example.com`;
    const maya = await person(email);
    const sam = await person(`keep.${kind}@example.com`);
    const archive = JSON.stringify(await store.exportUser(maya.id));
    expect(JSON.parse(archive)).toMatchObject({
      id: maya.id,
      email,
      has_password: true,
      passkeys: [{ name: "Laptop" }],
      sign_in_sessions: [{ method: "password" }],
    });
    for (const secret of ["argon2", "refresh-hash", "public_key", "publicKey", `cred-${maya.id}`]) expect(archive).not.toContain(secret);

    await store.eraseUser(maya.id);
    const cells = await everyCell(kind);
    expect(cells).not.toContain(maya.id);
    expect(cells).not.toContain(email);
    expect(cells).not.toContain(failureKey(email));
    expect(cells).toContain(sam.id);
    expect(await store.exportUser(maya.id)).toBeNull();
    expect(await store.sessionActive(sam.sessionId, sam.id)).toBe(true);
  });
});

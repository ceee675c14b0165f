import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../src/core/ids.js";
import { ApiKeys, MAX_KEYS_PER_PERSON } from "../src/modules/api-keys/api-keys.js";
import { PgApiKeyStore } from "../src/modules/api-keys/pg-api-key-store.js";
import { hashSecret } from "../src/modules/api-keys/secret.js";
import { SqliteApiKeyStore } from "../src/modules/api-keys/sqlite-api-key-store.js";
import type { ApiKeyStore } from "../src/modules/api-keys/types.js";
import { PgConversationLinkStore } from "../src/modules/client-conversations/pg-link-store.js";
import { SqliteConversationLinkStore } from "../src/modules/client-conversations/sqlite-link-store.js";
import type { ConversationLinkStore } from "../src/modules/client-conversations/types.js";
import { countRows, createApiKey, openAiClient, openAiTestEnv } from "./helpers/openai-api.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { endPool } from "./helpers/temporary-database.js";

const harness = useSimulatedRose();

describe("API keys through /api/v1/me/api-keys", () => {
  it("creates a key whose secret is shown once, lists keys without secrets, records use, revokes", async () => {
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    const created = await server.client.json("POST", "/api/v1/me/api-keys", { name: "  Open WebUI  " });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^rose_sk_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: "Open WebUI", last_used_at: null });
    expect(secret.startsWith(created.body.prefix)).toBe(true);
    expect(created.body.prefix.length).toBeLessThan(16);

    const listed = await server.client.json("GET", "/api/v1/me/api-keys");
    expect(listed.status).toBe(200);
    expect(listed.body.api_keys).toEqual([
      { id: created.body.id, name: "Open WebUI", prefix: created.body.prefix, created_at: created.body.created_at, last_used_at: null },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(12));

    // Only the hash is stored.
    const db = new Database(`${server.dataDir}/memory.db`, { readonly: true });
    const stored = db.prepare("SELECT * FROM api_keys").all() as Array<Record<string, string>>;
    db.close();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.secret_hash).toBe(hashSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);

    await openAiClient(server, secret).models.list();
    const used = await server.client.json("GET", "/api/v1/me/api-keys");
    expect(Date.parse(used.body.api_keys[0].last_used_at)).toBeGreaterThan(0);

    expect((await server.client.json("DELETE", `/api/v1/me/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await server.client.json("GET", "/api/v1/me/api-keys")).body.api_keys).toEqual([]);
    await expect(openAiClient(server, secret).models.list()).rejects.toMatchObject({ status: 401 });
    expect((await server.client.json("DELETE", `/api/v1/me/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it("answers 404 for another person's key id, and leaves their key working", async () => {
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    const theirs = await createApiKey(server.client);
    const stranger = server.client.stranger();
    const refused = await stranger.json("DELETE", `/api/v1/me/api-keys/${theirs.id}`);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("not_found");
    expect((await stranger.json("GET", "/api/v1/me/api-keys")).body.api_keys).toEqual([]);
    expect((await openAiClient(server, theirs.secret).models.list()).data).toHaveLength(1);
  });

  it("refuses bad names and ids with 400, and a key past the limit with 409, storing nothing", async () => {
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    for (const body of [{}, { name: "" }, { name: "   " }, { name: "x".repeat(101) }, { name: "bad\u0000name" }, { name: 42 }]) {
      const { status, body: answer } = await server.client.json("POST", "/api/v1/me/api-keys", body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error.message).toMatch(/^name: /);
    }
    expect((await server.client.json("DELETE", "/api/v1/me/api-keys/not-a-uuid")).status).toBe(400);
    expect(countRows(server, "api_keys")).toBe(0);

    for (let i = 0; i < MAX_KEYS_PER_PERSON; i++) await createApiKey(server.client, `key ${i}`);
    const over = await server.client.json("POST", "/api/v1/me/api-keys", { name: "one too many" });
    expect(over.status).toBe(409);
    expect(countRows(server, "api_keys")).toBe(MAX_KEYS_PER_PERSON);
  });
});

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_keys_${process.pid}_${Date.now()}`;
let pool: pg.Pool;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  pool = new pg.Pool({ connectionString: ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
});

afterAll(async () => {
  if (pool) await endPool(pool);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const stores: Array<[string, () => Promise<{ keys: ApiKeyStore; links: ConversationLinkStore }>]> = [
  [
    "SQLite",
    async () => {
      const db = new Database(":memory:");
      return { keys: new SqliteApiKeyStore(db), links: new SqliteConversationLinkStore(db) };
    },
  ],
  ["PostgreSQL", async () => ({ keys: await PgApiKeyStore.open(pool), links: await PgConversationLinkStore.open(pool) })],
];

describe.each(stores)("the %s stores", (_name, open) => {
  it("keep keys per person: authenticate by secret, throttle last_used_at, revoke, export without secrets, erase", async () => {
    const { keys: store } = await open();
    let now = new Date("2026-12-01T10:00:00Z");
    const keys = new ApiKeys(store, () => now);
    const ana = newId();
    const ben = newId();
    const { key, secret } = await keys.create(ana, "laptop");
    await keys.create(ben, "phone");

    expect((await keys.authenticate(secret))?.userId).toBe(ana);
    expect((await keys.list(ana))[0]!.lastUsedAt).toBe("2026-12-01T10:00:00.000Z");
    now = new Date("2026-12-01T10:00:30Z");
    await keys.authenticate(secret);
    expect((await keys.list(ana))[0]!.lastUsedAt).toBe("2026-12-01T10:00:00.000Z"); // within the minute: no write
    now = new Date("2026-12-01T10:01:30Z");
    await keys.authenticate(secret);
    expect((await keys.list(ana))[0]!.lastUsedAt).toBe("2026-12-01T10:01:30.000Z");

    expect(await keys.authenticate(secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A"))).toBeNull();
    expect(await keys.authenticate("not-a-key")).toBeNull();
    expect(await keys.revoke(ben, key.id)).toBe(false);

    const exported = JSON.stringify(await keys.exportUser(ana));
    expect(exported).toContain("laptop");
    expect(exported).not.toContain(secret);
    expect(exported).not.toContain(hashSecret(secret));
    expect(exported).not.toContain("phone");

    await keys.eraseUser(ana);
    expect(await keys.list(ana)).toEqual([]);
    expect(await keys.authenticate(secret)).toBeNull();
    expect(await keys.list(ben)).toHaveLength(1);
  });

  it("hold a person to the key limit, even when requests race", async () => {
    const { keys: store } = await open();
    const keys = new ApiKeys(store);
    const person = newId();
    const results = await Promise.allSettled(Array.from({ length: MAX_KEYS_PER_PERSON + 5 }, (_v, i) => keys.create(person, `k${i}`)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(MAX_KEYS_PER_PERSON);
    expect(await keys.list(person)).toHaveLength(MAX_KEYS_PER_PERSON);
  });

  it("link conversation fingerprints to threads per person, most specific first; export and erase", async () => {
    const { links } = await open();
    const ana = newId();
    const ben = newId();
    await links.link(ana, ["fp-with-reply", "fp-opening"], "session-1");
    await links.link(ben, ["fp-opening"], "session-b");
    expect(await links.find(ana, ["fp-with-reply", "fp-opening"])).toBe("session-1");
    expect(await links.find(ana, ["fp-other-reply", "fp-opening"])).toBe("session-1");
    expect(await links.find(ben, ["fp-with-reply", "fp-opening"])).toBe("session-b");
    await links.link(ana, ["fp-opening"], "session-2");
    expect(await links.find(ana, ["fp-other-reply", "fp-opening"])).toBe("session-2");
    expect(await links.find(ana, ["fp-with-reply", "fp-opening"])).toBe("session-1");
    expect(JSON.stringify(await links.exportUser(ana))).toContain("session-2");
    await links.eraseUser(ana);
    expect(await links.find(ana, ["fp-with-reply", "fp-opening"])).toBeNull();
    expect(await links.find(ben, ["fp-opening"])).toBe("session-b");
  });
});

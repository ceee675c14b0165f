import Database from "better-sqlite3";
import pg from "pg";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanImage } from "../src/modules/images/image-intake.js";
import { type ImageStore, SqliteImageStore } from "../src/modules/images/image-store.js";
import { PgImageStore } from "../src/modules/images/pg-image-store.js";
import { chatForm, jpegWithGps, png } from "./helpers/images.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { endPool } from "./helpers/temporary-database.js";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_images_test_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
const LIMITS = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxFrames: 100 };

let pool: pg.Pool;
let sqlite: Database.Database;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  sqlite = new Database(":memory:");
});

afterAll(async () => {
  if (pool) await endPool(pool);
  sqlite?.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const stores: Array<[string, () => Promise<ImageStore>]> = [
  ["SQLite", async () => new SqliteImageStore(sqlite)],
  ["PostgreSQL", () => PgImageStore.open(pool)],
];

describe.each(stores)("the %s image store", (_name, open) => {
  it("keeps each owner's pictures to that owner, per conversation, and exports and erases them", async () => {
    const store = await open();
    const anna = `anna-${Math.random()}`;
    const ben = `ben-${Math.random()}`;
    const picture = await cleanImage(await jpegWithGps(), LIMITS);
    const first = await store.save(anna, "session-1", "person", picture);
    const drawn = await store.save(anna, "session-2", "rose", await cleanImage(await png(), LIMITS));
    const bens = await store.save(ben, "session-3", "person", picture);

    const found = await store.find(anna, first);
    expect(found?.mime).toBe("image/jpeg");
    expect(Buffer.compare(found!.bytes, picture.bytes)).toBe(0);
    expect(await store.find(ben, first)).toBeNull();
    expect(await store.find(anna, "not-an-id")).toBeNull();

    const exported = await store.exportUser(anna);
    expect(exported.map((e) => [e.id, e.session_id, e.origin, e.mime])).toEqual([
      [first, "session-1", "person", "image/jpeg"],
      [drawn, "session-2", "rose", "image/png"],
    ]);
    expect((await sharp(Buffer.from(exported[0]!.data_base64, "base64")).metadata()).width).toBe(48);
    expect(JSON.stringify(exported)).not.toContain(anna);

    await store.deleteSession("session-2");
    expect(await store.find(anna, drawn)).toBeNull();
    await store.remove(ben, [first]); // not Ben's: untouched
    expect(await store.find(anna, first)).not.toBeNull();

    await store.eraseUser(anna);
    expect(await store.exportUser(anna)).toEqual([]);
    expect(await store.find(ben, bens)).not.toBeNull();
    await store.remove(ben, [bens]);
    expect(await store.find(ben, bens)).toBeNull();
  });
});

describe("pictures with conversations in PostgreSQL", () => {
  const env = useSimulatedRose();

  it("a picture sent through one instance is served by another, to its owner only", async () => {
    const shared = {
      OPENAI_BASE_URL: env.sim.openaiBaseUrl,
      OPENAI_API_KEY: "k",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: "shared-secret-for-all-instances-0123456789",
      RATE_LIMIT_PER_MINUTE: "0",
    };
    const a = await env.rose(shared);
    const b = await env.rose(shared);
    const { status, body } = await a.client.json("POST", "/api/v1/chat", chatForm({ message: "my cat" }, [{ bytes: await png(), type: "image/png" }]));
    expect(status).toBe(200);
    const id = body.attached_images[0] as string;
    const there = a.client.at(b.url);
    const served = await there.request("GET", `/api/v1/images/${id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect((await there.json("GET", `/api/v1/sessions/${body.session_id}/messages`)).body.messages[0].images).toEqual([id]);
    expect((await b.client.stranger().request("GET", `/api/v1/images/${id}`)).status).toBe(404);
  });
});

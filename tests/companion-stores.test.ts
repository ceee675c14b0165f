import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROSE } from "../src/modules/character/card.js";
import { PgCharacterStore, PgCompanionStore } from "../src/modules/companion/pg-companion-store.js";
import { SqliteCharacterStore, SqliteCompanionStore } from "../src/modules/companion/sqlite-companion-store.js";
import { afterExchange, initialState } from "../src/modules/companion/state.js";
import type { CharacterStore, CompanionStore } from "../src/modules/companion/types.js";
import { v2Card } from "./helpers/png-card.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { endPool } from "./helpers/temporary-database.js";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_companion_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
let pool: pg.Pool;
const sqlite = new Database(":memory:");

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
});

afterAll(async () => {
  await endPool(pool);
  sqlite.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

const stores: Array<[string, () => Promise<{ companion: CompanionStore; characters: CharacterStore }>]> = [
  ["SQLite", async () => ({ companion: new SqliteCompanionStore(sqlite), characters: new SqliteCharacterStore(sqlite) })],
  ["PostgreSQL", async () => ({ companion: await PgCompanionStore.open(pool), characters: await PgCharacterStore.open(pool) })],
];

describe.each(stores)("companion stores in %s", (_name, open) => {
  const alice = `alice-${_name}`;
  const bob = `bob-${_name}`;

  it("keep settings and state per person and character, export them, and erase them", async () => {
    const { companion } = await open();
    expect(await companion.settings(alice)).toBeNull();
    await companion.saveSettings(alice, { characterId: "sage", voice: "nova", speakingRate: 0.9, callMe: "Al", opener: false, country: "PT" });
    await companion.saveSettings(alice, { characterId: "rose", voice: null, speakingRate: 1.2, callMe: "Ali", opener: true, country: null });
    expect(await companion.settings(alice)).toEqual({ characterId: "rose", voice: null, speakingRate: 1.2, callMe: "Ali", opener: true, country: null });
    const now = new Date("2026-05-01T10:00:00Z");
    const state = afterExchange(
      initialState(ROSE, now),
      "hello there",
      { emotion: "joy", intensity: 0.5, source: "lexicon", crisis: null, crisisSource: null, asksIfAi: false },
      now,
    );
    await companion.saveState(alice, "rose", state);
    await companion.saveState(alice, "sage", initialState(ROSE, now));
    await companion.saveState(bob, "rose", initialState(ROSE, now));
    expect(await companion.state(alice, "rose")).toEqual(state);
    expect(await companion.state(bob, "sage")).toBeNull();

    const exported = await companion.exportUser(alice);
    expect(exported.settings?.callMe).toBe("Ali");
    expect(exported.states.map((s) => s.character_id)).toEqual(["rose", "sage"]);
    await companion.eraseUser(alice);
    expect(await companion.settings(alice)).toBeNull();
    expect(await companion.state(alice, "rose")).toBeNull();
    expect(await companion.state(bob, "rose")).not.toBeNull();
  });

  it("keep imported characters as their owner's alone, with the uploaded card whole", async () => {
    const { characters } = await open();
    const id = `00000000-0000-4000-8000-${_name === "SQLite" ? "000000000001" : "000000000002"}`;
    const source = { ...v2Card(), unknown: { kept: true } };
    await characters.add({ id, userId: alice, card: { ...ROSE, id, name: "Marlow" }, format: "chara_card_v2", source, createdAt: "2026-05-01T10:00:00.000Z" });
    expect((await characters.list(alice)).map((c) => c.card.name)).toEqual(["Marlow"]);
    expect(await characters.list(bob)).toEqual([]);
    expect(await characters.findOwned(bob, id)).toBeNull();
    expect((await characters.findOwned(alice, id))?.source).toEqual(source);
    expect(await characters.exportUser(alice)).toHaveLength(1);
    expect(await characters.delete(bob, id)).toBe(false);
    await characters.eraseUser(alice);
    expect(await characters.list(alice)).toEqual([]);
  });
});

describe("the companion on PostgreSQL, through the API", () => {
  const suite = useSimulatedRose();

  it("imports a card, chooses it and keeps her state across instances", async () => {
    const env = {
      OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
      OPENAI_API_KEY: "k",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: "shared-secret-for-all-instances-0123456789",
      RATE_LIMIT_PER_MINUTE: "0",
      TTS_PROVIDER: "none",
    };
    const a = await suite.rose(env);
    const b = await suite.rose(env);
    const imported = await a.client.json("POST", "/api/v1/characters", v2Card());
    expect(imported.status).toBe(201);
    await a.client.json("PUT", "/api/v1/companion/settings", { character_id: imported.body.character.id });
    await a.client.json("POST", "/api/v1/chat", { message: "Tell me about the sea, I've had a long lonely week by myself" });
    const onB = a.client.at(b.url);
    const view = await onB.json("GET", "/api/v1/companion");
    expect(view.body).toMatchObject({ character: { name: "Marlow" }, exchanges: 1 });
    expect((await onB.json("GET", "/api/v1/characters")).body.characters.map((c: { name: string }) => c.name)).toContain("Marlow");
  });
});

import type pg from "pg";
import type { CompanionState } from "./state.js";
import type { CharacterStore, CompanionSettings, CompanionStore, ImportedCharacter } from "./types.js";

interface SettingsRow {
  character_id: string;
  voice: string | null;
  speaking_rate: number;
  call_me: string | null;
  opener: boolean;
  country: string | null;
}

const toSettings = (r: SettingsRow): CompanionSettings => ({
  characterId: r.character_id,
  voice: r.voice,
  speakingRate: Number(r.speaking_rate),
  callMe: r.call_me,
  opener: r.opener,
  country: r.country,
});

/** The companion's settings and state in PostgreSQL, beside the threads, for every instance. */
export class PgCompanionStore implements CompanionStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgCompanionStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_companion_settings (
        user_id TEXT PRIMARY KEY,
        character_id TEXT NOT NULL,
        voice TEXT,
        speaking_rate DOUBLE PRECISION NOT NULL,
        call_me TEXT,
        opener BOOLEAN NOT NULL,
        country TEXT,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE IF NOT EXISTS rose_companion_state (
        user_id TEXT NOT NULL,
        character_id TEXT NOT NULL,
        state JSONB NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (user_id, character_id)
      );
      CREATE INDEX IF NOT EXISTS rose_companion_state_character ON rose_companion_state(character_id);
    `);
    return new PgCompanionStore(pool);
  }

  async settings(userId: string): Promise<CompanionSettings | null> {
    const { rows } = await this.pool.query<SettingsRow>("SELECT * FROM rose_companion_settings WHERE user_id = $1", [userId]);
    return rows[0] ? toSettings(rows[0]) : null;
  }

  async saveSettings(userId: string, s: CompanionSettings): Promise<void> {
    await this.pool.query(
      `INSERT INTO rose_companion_settings (user_id, character_id, voice, speaking_rate, call_me, opener, country, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (user_id) DO UPDATE SET character_id = EXCLUDED.character_id, voice = EXCLUDED.voice, speaking_rate = EXCLUDED.speaking_rate,
         call_me = EXCLUDED.call_me, opener = EXCLUDED.opener, country = EXCLUDED.country, updated_at = EXCLUDED.updated_at`,
      [userId, s.characterId, s.voice, s.speakingRate, s.callMe, s.opener, s.country],
    );
  }

  async state(userId: string, characterId: string): Promise<CompanionState | null> {
    const { rows } = await this.pool.query<{ state: CompanionState }>("SELECT state FROM rose_companion_state WHERE user_id = $1 AND character_id = $2", [
      userId,
      characterId,
    ]);
    return rows[0]?.state ?? null;
  }

  async saveState(userId: string, characterId: string, state: CompanionState): Promise<void> {
    await this.pool.query(
      `INSERT INTO rose_companion_state (user_id, character_id, state, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, character_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      [userId, characterId, JSON.stringify(state), state.updatedAt],
    );
  }

  async forgetCharacter(characterId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_companion_state WHERE character_id = $1", [characterId]);
  }

  async exportUser(userId: string) {
    const { rows } = await this.pool.query<{ character_id: string; state: CompanionState }>(
      "SELECT character_id, state FROM rose_companion_state WHERE user_id = $1 ORDER BY character_id",
      [userId],
    );
    return { settings: await this.settings(userId), states: rows.map((r) => ({ character_id: r.character_id, state: r.state })) };
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_companion_settings WHERE user_id = $1", [userId]);
    await this.pool.query("DELETE FROM rose_companion_state WHERE user_id = $1", [userId]);
  }
}

interface CharacterRow {
  id: string;
  user_id: string;
  card: ImportedCharacter["card"];
  format: ImportedCharacter["format"];
  source: Record<string, unknown>;
  created_at: Date;
}

const toCharacter = (r: CharacterRow): ImportedCharacter => ({
  id: r.id,
  userId: r.user_id,
  card: r.card,
  format: r.format,
  source: r.source,
  createdAt: r.created_at.toISOString(),
});

/** Characters people imported, in PostgreSQL; each visible to its owner only. */
export class PgCharacterStore implements CharacterStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgCharacterStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_companion_characters (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        card JSONB NOT NULL,
        format TEXT NOT NULL,
        source JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_companion_characters_user ON rose_companion_characters(user_id);
    `);
    return new PgCharacterStore(pool);
  }

  async add(c: ImportedCharacter): Promise<void> {
    await this.pool.query("INSERT INTO rose_companion_characters (id, user_id, card, format, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)", [
      c.id,
      c.userId,
      JSON.stringify(c.card),
      c.format,
      JSON.stringify(c.source),
      c.createdAt,
    ]);
  }

  async list(userId: string): Promise<ImportedCharacter[]> {
    const { rows } = await this.pool.query<CharacterRow>("SELECT * FROM rose_companion_characters WHERE user_id = $1 ORDER BY created_at, id", [userId]);
    return rows.map(toCharacter);
  }

  async findOwned(userId: string, id: string): Promise<ImportedCharacter | null> {
    const { rows } = await this.pool.query<CharacterRow>("SELECT * FROM rose_companion_characters WHERE user_id = $1 AND id = $2", [userId, id]);
    return rows[0] ? toCharacter(rows[0]) : null;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.pool.query("DELETE FROM rose_companion_characters WHERE user_id = $1 AND id = $2", [userId, id]);
    return (result.rowCount ?? 0) > 0;
  }

  exportUser(userId: string): Promise<ImportedCharacter[]> {
    return this.list(userId);
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_companion_characters WHERE user_id = $1", [userId]);
  }
}

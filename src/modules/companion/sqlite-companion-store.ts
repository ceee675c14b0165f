import type Database from "better-sqlite3";
import type { CompanionState } from "./state.js";
import type { CharacterStore, CompanionSettings, CompanionStore, ImportedCharacter } from "./types.js";

interface SettingsRow {
  character_id: string;
  voice: string | null;
  speaking_rate: number;
  call_me: string | null;
  opener: number;
  country: string | null;
}

const toSettings = (r: SettingsRow): CompanionSettings => ({
  characterId: r.character_id,
  voice: r.voice,
  speakingRate: r.speaking_rate,
  callMe: r.call_me,
  opener: r.opener === 1,
  country: r.country,
});

/** The companion's settings and state in the service's SQLite file, beside the threads. */
export class SqliteCompanionStore implements CompanionStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS companion_settings (
        user_id TEXT PRIMARY KEY,
        character_id TEXT NOT NULL,
        voice TEXT,
        speaking_rate REAL NOT NULL,
        call_me TEXT,
        opener INTEGER NOT NULL,
        country TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS companion_state (
        user_id TEXT NOT NULL,
        character_id TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, character_id)
      );
      CREATE INDEX IF NOT EXISTS companion_state_character ON companion_state(character_id);
    `);
  }

  async settings(userId: string): Promise<CompanionSettings | null> {
    const row = this.db.prepare<[string], SettingsRow>("SELECT * FROM companion_settings WHERE user_id = ?").get(userId);
    return row ? toSettings(row) : null;
  }

  async saveSettings(userId: string, s: CompanionSettings): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO companion_settings (user_id, character_id, voice, speaking_rate, call_me, opener, country, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET character_id = excluded.character_id, voice = excluded.voice, speaking_rate = excluded.speaking_rate,
           call_me = excluded.call_me, opener = excluded.opener, country = excluded.country, updated_at = excluded.updated_at`,
      )
      .run(userId, s.characterId, s.voice, s.speakingRate, s.callMe, s.opener ? 1 : 0, s.country, new Date().toISOString());
  }

  async state(userId: string, characterId: string): Promise<CompanionState | null> {
    const row = this.db
      .prepare<[string, string], { state: string }>("SELECT state FROM companion_state WHERE user_id = ? AND character_id = ?")
      .get(userId, characterId);
    return row ? (JSON.parse(row.state) as CompanionState) : null;
  }

  async saveState(userId: string, characterId: string, state: CompanionState): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO companion_state (user_id, character_id, state, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, character_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(userId, characterId, JSON.stringify(state), state.updatedAt);
  }

  async forgetCharacter(characterId: string): Promise<void> {
    this.db.prepare("DELETE FROM companion_state WHERE character_id = ?").run(characterId);
  }

  async exportUser(userId: string) {
    const states = this.db
      .prepare<[string], { character_id: string; state: string }>("SELECT character_id, state FROM companion_state WHERE user_id = ? ORDER BY character_id")
      .all(userId)
      .map((r) => ({ character_id: r.character_id, state: JSON.parse(r.state) as CompanionState }));
    return { settings: await this.settings(userId), states };
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM companion_settings WHERE user_id = ?").run(userId);
      this.db.prepare("DELETE FROM companion_state WHERE user_id = ?").run(userId);
    })();
  }
}

interface CharacterRow {
  id: string;
  user_id: string;
  card: string;
  format: ImportedCharacter["format"];
  source: string;
  created_at: string;
}

const toCharacter = (r: CharacterRow): ImportedCharacter => ({
  id: r.id,
  userId: r.user_id,
  card: JSON.parse(r.card) as ImportedCharacter["card"],
  format: r.format,
  source: JSON.parse(r.source) as Record<string, unknown>,
  createdAt: r.created_at,
});

/** Characters people imported, each visible to its owner only. */
export class SqliteCharacterStore implements CharacterStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS companion_characters (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        card TEXT NOT NULL,
        format TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS companion_characters_user ON companion_characters(user_id);
    `);
  }

  async add(c: ImportedCharacter): Promise<void> {
    this.db
      .prepare("INSERT INTO companion_characters (id, user_id, card, format, source, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(c.id, c.userId, JSON.stringify(c.card), c.format, JSON.stringify(c.source), c.createdAt);
  }

  async list(userId: string): Promise<ImportedCharacter[]> {
    return this.db.prepare<[string], CharacterRow>("SELECT * FROM companion_characters WHERE user_id = ? ORDER BY created_at, id").all(userId).map(toCharacter);
  }

  async findOwned(userId: string, id: string): Promise<ImportedCharacter | null> {
    const row = this.db.prepare<[string, string], CharacterRow>("SELECT * FROM companion_characters WHERE user_id = ? AND id = ?").get(userId, id);
    return row ? toCharacter(row) : null;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM companion_characters WHERE user_id = ? AND id = ?").run(userId, id).changes > 0;
  }

  exportUser(userId: string): Promise<ImportedCharacter[]> {
    return this.list(userId);
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.prepare("DELETE FROM companion_characters WHERE user_id = ?").run(userId);
  }
}

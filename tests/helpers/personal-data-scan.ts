import Database from "better-sqlite3";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

/**
 * Searches every place Rose keeps data for traces of a person: every table and every column of a SQLite
 * file or a PostgreSQL schema (found from the catalogue, so tables other work adds are searched too),
 * every point of every Qdrant collection, every file under a folder. Each hit is "where: needle".
 */

/** Every column of every ordinary table (virtual tables keep their rows in shadow tables, which are searched). */
export function scanSqlite(path: string, needles: string[]): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND COALESCE(sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%'")
      .all()
      .map((t) => t.name);
    const hits: string[] = [];
    for (const table of tables) {
      const columns = db.prepare<[], { name: string }>(`PRAGMA table_info("${table.replaceAll('"', '""')}")`).all();
      for (const { name: column } of columns) {
        const quoted = `"${column.replaceAll('"', '""')}"`;
        // As bytes: text, JSON and BLOB checkpoints alike (a needle in a BLOB is found by its UTF-8 bytes).
        const find = db.prepare<[Buffer], { n: number }>(
          `SELECT COUNT(*) AS n FROM "${table.replaceAll('"', '""')}" WHERE instr(CAST(${quoted} AS BLOB), ?) > 0`,
        );
        for (const needle of needles) if ((find.get(Buffer.from(needle))?.n ?? 0) > 0) hits.push(`${path.split("/").at(-1)}:${table}.${column}: ${needle}`);
      }
    }
    return hits;
  } finally {
    db.close();
  }
}

/** The tables a scan looked at, so a test can tell the scan covered what it should. */
export function sqliteTables(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name);
  } finally {
    db.close();
  }
}

/** Every column of every table in the schema; bytea searched as bytes, everything else as its text form. */
export async function scanPostgres(databaseUrl: string, needles: string[], schema = "public"): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: columns } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'`,
      [schema],
    );
    const hits: string[] = [];
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const target = `"${schema}"."${table.replaceAll('"', '""')}"`;
      const col = `"${column.replaceAll('"', '""')}"`;
      for (const needle of needles) {
        const { rows } =
          type === "bytea"
            ? await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${target} WHERE position($1::bytea in ${col}) > 0`, [Buffer.from(needle)])
            : await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${target} WHERE strpos(${col}::text, $1) > 0`, [needle]);
        if (Number(rows[0]!.n) > 0) hits.push(`postgres:${table}.${column}: ${needle}`);
      }
    }
    return hits;
  } finally {
    await client.end();
  }
}

export async function postgresTables(databaseUrl: string, schema = "public"): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
      [schema],
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

/** Every point of every collection, payload included, through Qdrant's REST API. */
export async function scanQdrant(url: string, needles: string[]): Promise<string[]> {
  const { result } = (await (await fetch(`${url}/collections`)).json()) as { result: { collections: Array<{ name: string }> } };
  const hits: string[] = [];
  for (const { name } of result.collections) {
    let offset: unknown = null;
    do {
      const response = await fetch(`${url}/collections/${encodeURIComponent(name)}/points/scroll`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ limit: 256, with_payload: true, with_vector: false, ...(offset !== null ? { offset } : {}) }),
      });
      const page = (await response.json()) as { result: { points: unknown[]; next_page_offset: unknown } };
      const text = JSON.stringify(page.result.points);
      for (const needle of needles) if (text.includes(needle)) hits.push(`qdrant:${name}: ${needle}`);
      offset = page.result.next_page_offset ?? null;
    } while (offset !== null);
  }
  return [...new Set(hits)];
}

/** Every file's name and content under a folder (audio, backups and whatever else lands in DATA_DIR). */
export function scanFiles(dir: string, needles: string[], skip: (path: string) => boolean = () => false): string[] {
  if (!existsSync(dir)) return [];
  const hits: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (skip(path)) continue;
    const info = statSync(path);
    for (const needle of needles) if (entry.includes(needle)) hits.push(`file name ${path}: ${needle}`);
    if (info.isDirectory()) hits.push(...scanFiles(path, needles, skip));
    else if (info.isFile()) {
      const bytes = readFileSync(path);
      for (const needle of needles) if (bytes.includes(Buffer.from(needle))) hits.push(`file ${path}: ${needle}`);
    }
  }
  return hits;
}

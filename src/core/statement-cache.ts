import type Database from "better-sqlite3";

/** Distinct SQL texts kept compiled per connection; beyond it the oldest goes (dynamic SQL such as `IN (?, ?, …)` lists). */
const MAX_STATEMENTS = 256;

/**
 * Makes `db.prepare` hand back the statement already compiled for the same SQL. Rose's stores and
 * LangGraph's SQLite saver prepare their statements at each call (the saver its INSERTs at every
 * checkpoint write, several a turn), and compiling the same SQL again was a measurable share of a turn.
 *
 * Safe because nothing on these connections keeps a statement busy or changes it: statements are run,
 * got and listed (`run`, `get`, `all`), never iterated across an await, bound for good (`bind`), nor
 * switched to `raw`, `pluck` or `expand`. Code that needs those should prepare its own statement on a
 * connection without this cache.
 */
export function cacheStatements(db: Database.Database): Database.Database {
  const compile = db.prepare.bind(db);
  const statements = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const cached = statements.get(sql);
    if (cached) return cached;
    const statement = compile(sql);
    if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
    statements.set(sql, statement);
    return statement;
  }) as Database.Database["prepare"];
  return db;
}

import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cacheStatements } from "../src/core/statement-cache.js";

describe("statement cache", () => {
  it("hands back the compiled statement for the same SQL, and each still binds its own values", () => {
    const db = cacheStatements(new Database(":memory:"));
    db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    const insert = db.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
    expect(db.prepare("INSERT INTO t (k, v) VALUES (?, ?)")).toBe(insert);
    insert.run("a", 1);
    db.prepare("INSERT INTO t (k, v) VALUES (?, ?)").run("b", 2);
    // A statement used inside a transaction, and again by a nested call, reads each call's own values.
    db.transaction(() => {
      const get = db.prepare<[string], { v: number }>("SELECT v FROM t WHERE k = ?");
      expect(get.get("a")?.v).toBe(1);
      expect(db.prepare<[string], { v: number }>("SELECT v FROM t WHERE k = ?").get("b")?.v).toBe(2);
    })();
    db.close();
  });

  it("keeps working when the schema changes under a cached statement", () => {
    const db = cacheStatements(new Database(":memory:"));
    db.exec("CREATE TABLE t (k TEXT)");
    db.prepare("INSERT INTO t (k) VALUES (?)").run("a");
    db.exec("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'");
    expect(db.prepare("SELECT * FROM t").all()).toEqual([{ k: "a", extra: "x" }]);
    db.prepare("INSERT INTO t (k) VALUES (?)").run("b");
    expect(db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM t").get()?.n).toBe(2);
    db.close();
  });

  it("holds a bounded number of statements: dynamic SQL does not grow it without end", () => {
    const db = cacheStatements(new Database(":memory:"));
    const first = db.prepare("SELECT 0");
    for (let i = 1; i <= 300; i++) db.prepare(`SELECT ${i}`);
    // The oldest was let go, so asking again compiles a new one; a recent one is still the same.
    expect(db.prepare("SELECT 0")).not.toBe(first);
    expect(db.prepare("SELECT 300")).toBe(db.prepare("SELECT 300"));
    db.close();
  });
});

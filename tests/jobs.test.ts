import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RedisJobLock, SqliteJobLock } from "../src/core/jobs/job-lock.js";
import { JobScheduler } from "../src/core/jobs/scheduler.js";
import { restoreBackup, SqliteBackups } from "../src/core/jobs/sqlite-backup.js";
import { createLogger } from "../src/core/logger.js";
import { startRose, tempDataDir } from "./helpers/rose-server.js";
import { startSimulator } from "./simulator/server.js";

const dirs: Array<{ remove(): void }> = [];
const dir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d.path;
};
afterAll(() => dirs.forEach((d) => d.remove()));
const logger = createLogger("silent");

describe("job leases", () => {
  it("let only one of several instances run a job per interval (SQLite lease)", async () => {
    const path = join(dir(), "locks.db");
    const instances = [new Database(path), new Database(path), new Database(path)];
    let runs = 0;
    const job = { name: "cleanup", intervalMs: 60_000, run: async () => runs++ };
    const schedulers = instances.map((db) => new JobScheduler(new SqliteJobLock(db), logger));
    const results = await Promise.all(schedulers.map((s) => s.runOnce(job)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    instances.forEach((db) => db.close());
  });

  it("release a failed job's lease so it can be retried", async () => {
    const lock = new SqliteJobLock(new Database(":memory:"));
    const scheduler = new JobScheduler(lock, logger);
    let attempts = 0;
    const job = { name: "flaky", intervalMs: 60_000, run: async () => (++attempts === 1 ? Promise.reject(new Error("disk busy")) : "ok") };
    expect(await scheduler.runOnce(job)).toBe(false);
    expect(await scheduler.runOnce(job)).toBe(true);
  });

  it("survive a lease store that fails: log it, keep the process up, run the job once it recovers", async () => {
    const path = join(dir(), "locks.db");
    const db = new Database(path, { timeout: 0 });
    const lock = new SqliteJobLock(db);
    const blocker = new Database(path);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const jobLogger = createLogger("silent");
    const warn = vi.spyOn(jobLogger, "warn");
    try {
      blocker.exec("BEGIN EXCLUSIVE"); // another process holds the database: every lease attempt is SQLITE_BUSY
      let runs = 0;
      const scheduler = new JobScheduler(lock, jobLogger);
      scheduler.schedule({ name: "sweep", intervalMs: 20, run: async () => ++runs }, { runAtStart: true });
      await vi.waitFor(() => expect(warn.mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 2_000 });
      expect(runs).toBe(0);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("lease"), expect.objectContaining({ job: "sweep", error: expect.stringMatching(/locked/) }));
      expect(await scheduler.runNow("sweep")).toBe(false); // an operator's run fails the same way, without throwing

      blocker.exec("COMMIT"); // the database is free again: the next tick runs the job
      await vi.waitFor(() => expect(runs).toBeGreaterThan(0), { timeout: 2_000 });
      await scheduler.stop();
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      blocker.close();
      db.close();
    }
  });

  it("work across instances through Redis, and only the owner can release", async () => {
    const clients = [createClient({ url: "redis://127.0.0.1:6379" }), createClient({ url: "redis://127.0.0.1:6379" })];
    await Promise.all(clients.map((c) => c.connect()));
    const job = `test-${Date.now()}-${Math.random()}`;
    const [a, b] = clients.map((c) => new RedisJobLock(c));
    expect(await a!.tryAcquire(job, 5_000)).toBe(true);
    expect(await b!.tryAcquire(job, 5_000)).toBe(false);
    expect(await a!.tryAcquire(job, 60_000)).toBe(true); // the owner renews its lease
    expect(await clients[0]!.pTTL(`rose:job:${job}`)).toBeGreaterThan(5_000);
    await b!.release(job); // not b's lease: must not free it
    expect(await b!.tryAcquire(job, 5_000)).toBe(false);
    await a!.release(job);
    expect(await b!.tryAcquire(job, 5_000)).toBe(true);
    await b!.release(job);
    await Promise.all(clients.map((c) => c.quit()));
  });
});

describe("SQLite backups", () => {
  it("take consistent copies while writing, keep the newest N, and restore", async () => {
    const data = dir();
    const db = new Database(join(data, "memory.db"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE notes (text TEXT)");
    db.prepare("INSERT INTO notes VALUES (?)").run("before the backup");
    const backups = new SqliteBackups(join(data, "backups"), [{ name: "memory.db", backup: (p) => db.backup(p) }], 2);

    const first = await backups.run(new Date("2026-01-01T00:00:00Z"));
    db.prepare("INSERT INTO notes VALUES (?)").run("after the backup");
    await backups.run(new Date("2026-01-02T00:00:00Z"));
    await backups.run(new Date("2026-01-03T00:00:00Z"));
    expect(backups.list()).toHaveLength(2);
    expect(existsSync(first.folder)).toBe(false);
    db.close();

    const oldest = backups.list()[0]!;
    restoreBackup(oldest, data);
    const restored = new Database(join(data, "memory.db"), { readonly: true });
    expect(restored.prepare("SELECT text FROM notes").all()).toEqual([{ text: "before the backup" }, { text: "after the backup" }]);
    restored.close();
    expect(existsSync(join(data, "memory.db.before-restore"))).toBe(true);
  });

  it("back up a running service's conversations and memories, which restore into a working service", async () => {
    const sim = await startSimulator();
    const data = dir();
    const env = { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k" };
    const first = await startRose(env, data);
    const sessionId = await first.client.startSession();
    await first.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Remember the blue door." });
    await first.client.json("POST", "/api/v1/memories", { text: "The user painted their door blue." });
    await first.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    const { folder } = await first.rose.backups.run();
    await first.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "This turn happens after the backup." });
    await first.stop();

    restoreBackup(folder, data);
    const second = await startRose(env, data);
    const { sameUserAt } = await import("./helpers/api-client.js");
    const client = sameUserAt(first.client, second.url);
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toContain("Remember the blue door.");
    expect(history.body.messages.map((m: { content: string }) => m.content)).not.toContain("This turn happens after the backup.");
    expect((await client.json("GET", "/api/v1/memories")).body.memories.map((m: { text: string }) => m.text)).toEqual(["The user painted their door blue."]);
    await second.stop();
    await sim.close();
  });
});

describe("thread clean-up", () => {
  it("removes threads idle past the retention period from every checkpoint table", async () => {
    const sim = await startSimulator();
    const data = dir();
    const server = await startRose({ OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", SESSION_RETENTION_DAYS: "7" }, data);
    const stale = await server.client.startSession();
    const fresh = await server.client.startSession();
    for (const id of [stale, fresh]) await server.client.json("POST", "/api/v1/chat", { session_id: id, message: "hello" });
    await server.client.json("GET", `/api/v1/sessions/${fresh}/messages`);

    const db = new Database(join(data, "memory.db"));
    db.prepare("UPDATE sessions SET last_active_at = ? WHERE id = ?").run(new Date(Date.now() - 8 * 86_400_000).toISOString(), stale);
    expect(await server.rose.runJob("thread-cleanup")).toBe(true);
    const count = (table: string, id: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE thread_id = ?`).get(id) as { n: number }).n;
    expect(count("checkpoints", stale)).toBe(0);
    expect(count("writes", stale)).toBe(0);
    expect(count("checkpoints", fresh)).toBeGreaterThan(0);
    expect((await server.client.json("GET", `/api/v1/sessions/${stale}/messages`)).status).toBe(404);
    expect((await server.client.json("GET", `/api/v1/sessions/${fresh}/messages`)).status).toBe(200);
    db.close();
    await server.stop();
    await sim.close();
  });
});

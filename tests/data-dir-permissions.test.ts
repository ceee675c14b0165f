import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spokenWav, voiceForm } from "./helpers/audio.js";
import { type RunningRose, startRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

/** DATA_DIR holds conversations, memories and the signing secret: nothing in it may be open to group or others. */
const suite = useSimulatedRose();
const umask = process.umask();

/** Every path under `root` (itself included) whose mode has a group or other bit, with that mode. */
function exposed(root: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return;
    if ((stats.mode & 0o077) !== 0) found.push(`${path.slice(root.length) || "/"} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(root);
  return found;
}

const env = () => ({
  OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
  OPENAI_API_KEY: "k",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  TTS_PROVIDER: "openai",
  RATE_LIMIT_PER_MINUTE: "0",
  // Unset, so the development signing secret is generated into DATA_DIR.
  JWT_SECRET: undefined,
});

afterAll(() => {
  process.umask(umask);
});

/** A turn, a spoken reply, a memory added by hand and a backup: every kind of file Rose writes into DATA_DIR. */
async function useEverything(server: RunningRose): Promise<void> {
  const { client } = server;
  const sessionId = await client.startSession();
  expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I grow tomatoes on my balcony." })).status).toBe(200);
  const voice = await client.json("POST", "/api/v1/voice/process", voiceForm(spokenWav("Good morning Rose."), "clip.wav", { session_id: sessionId }));
  expect(voice.status).toBe(200);
  expect(voice.body.audio_url).toEqual(expect.any(String));
  expect((await client.json("POST", "/api/v1/memories", { text: "The user grows tomatoes." })).status).toBe(201);
  expect(await server.rose.runJob("sqlite-backup")).toBe(true);
  await client.json("GET", `/api/v1/sessions/${sessionId}/messages`); // the turns (and their memory steps) are done
}

describe("DATA_DIR", () => {
  it("is created private, and every file Rose writes into it is 0600 and every folder 0700", async () => {
    process.umask(0o022); // the usual default: what made memory.db 0644
    const parent = suite.tempDataDir();
    const dataDir = join(parent.path, "data");
    const server = await suite.rose(env(), dataDir);
    await useEverything(server);
    const names = readdirSync(dataDir);
    for (const name of ["memory.db", "memory.db-wal", "long_term_memory.db", ".signing-secret", "backups", "audio"]) expect(names).toContain(name);
    expect(exposed(dataDir)).toEqual([]);
  });

  it("left readable by an earlier version is tightened on start", async () => {
    process.umask(0o022);
    const dir = suite.tempDataDir();
    chmodSync(dir.path, 0o755);
    mkdirSync(join(dir.path, "backups", "2025-01-01T00-00-00-000Z"), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir.path, "backups", "2025-01-01T00-00-00-000Z", "memory.db"), "old backup", { mode: 0o644 });
    writeFileSync(join(dir.path, ".signing-secret"), "a".repeat(64), { mode: 0o644 });
    const first = await startRose(env(), dir.path);
    await first.stop();
    chmodSync(join(dir.path, "memory.db"), 0o644);
    expect(exposed(dir.path).length).toBeGreaterThan(0);

    const server = await suite.rose(env(), dir.path);
    expect(exposed(dir.path)).toEqual([]);
    await useEverything(server);
    expect(exposed(dir.path)).toEqual([]);
  });
});

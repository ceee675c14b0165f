import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type QdrantFake, startQdrantFake } from "./fakes/qdrant-fake.js";
import { startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
let qdrant: QdrantFake;
const dirs: Array<{ remove(): void }> = [];

beforeAll(async () => {
  sim = await startSimulator();
  qdrant = await startQdrantFake();
});
afterAll(async () => {
  await sim.close();
  await qdrant.close();
  dirs.forEach((d) => d.remove());
});

function promptOfLastReply(): string {
  const request = sim
    .requests({ endpoint: "chat" })
    .filter((r) => r.model === "sim-chat")
    .at(-1)!;
  return (request.body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === "system")!.content;
}

describe.each([
  ["the embedded store", () => ({})],
  ["Qdrant", () => ({ QDRANT_URL: qdrant.url })],
])("memory privacy through conversations on %s", (_name, storeEnv) => {
  it("uses a fact in the same user's next session, and never retrieves, injects or lists it for another user", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const server = await startRose(
      { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small", RATE_LIMIT_PER_MINUTE: "0", ...storeEnv() },
      dir.path,
    );
    try {
      const alice = server.client;
      const bob = alice.stranger();
      sim.script({
        match: { structured: "memory_analysis", lastUser: "allergic" },
        reply: { structured: { action: "add", memory: "The user is allergic to hazelnuts.", type: "fact", importance: 0.9, replaces_id: "" } },
      });
      await alice.json("POST", "/api/v1/chat", { message: "I'm allergic to hazelnuts, by the way." });

      const aliceAgain = await alice.startSession();
      const aliceTurn = await alice.json("POST", "/api/v1/chat", { session_id: aliceAgain, message: "Could I bake a cake with hazelnuts?" });
      expect(promptOfLastReply()).toContain("The user is allergic to hazelnuts.");
      expect(aliceTurn.body.memories_used).toBe(1);

      const bobTurn = await bob.json("POST", "/api/v1/chat", { message: "Could I bake a cake with hazelnuts?" });
      expect(promptOfLastReply()).not.toContain("allergic");
      expect(bobTurn.body.memories_used).toBe(0);
      expect((await bob.json("GET", "/api/v1/memories")).body.memories).toEqual([]);
      expect((await bob.json("GET", "/api/v1/memories?query=hazelnuts%20allergic")).body.memories).toEqual([]);
      expect((await alice.json("GET", "/api/v1/memories")).body.memories.map((m: { text: string }) => m.text)).toEqual(["The user is allergic to hazelnuts."]);
    } finally {
      await server.stop();
      sim.reset();
    }
  });
});

import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ApiClient } from "./helpers/api-client.js";
import { spokenWav, voiceForm } from "./helpers/audio.js";
import { startRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { useTemporaryDatabase } from "./helpers/temporary-database.js";

/** The conversation list through the HTTP API: order, pages, previews, counts, titles, rename and delete. */
const harness = useSimulatedRose();
const sim = () => harness.sim;

const databaseUrl = useTemporaryDatabase("rose_conversations").url;

/** Every test runs against both session stores. */
const stores: Array<[string, () => Record<string, string>]> = [
  ["SQLite", () => ({})],
  ["PostgreSQL", () => ({ DATABASE_URL: databaseUrl })],
];
let storeEnv: () => Record<string, string> = () => ({});
const rose = (environment: Record<string, string>) => harness.rose({ ...environment, ...storeEnv() });

const env = () => ({
  OPENAI_BASE_URL: sim().openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  EMBEDDINGS_PROVIDER: "openai",
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "0",
});

interface Listed {
  id: string;
  title: string | null;
  preview: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}

const TITLE_RULE = { system: "name conversations", structured: "none" } as const;

async function list(client: ApiClient, query = ""): Promise<{ sessions: Listed[]; next_cursor: string | null }> {
  const { status, body } = await client.json("GET", `/api/v1/sessions${query}`);
  expect(status).toBe(200);
  return body;
}

async function say(client: ApiClient, sessionId: string, message: string): Promise<string> {
  const { status, body } = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message });
  expect(status).toBe(200);
  return body.reply as string;
}

/** Waits until the listed conversation has a title (naming runs after the reply, in the background). */
async function titleOf(client: ApiClient, sessionId: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const found = (await list(client)).sessions.find((s) => s.id === sessionId);
      if (!found?.title) throw new Error("not named yet");
      return found.title;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe.each(stores)("with the %s session store", (_name, environment) => {
  beforeAll(() => {
    storeEnv = environment;
  });

  describe("GET /api/v1/sessions", () => {
    it("lists the person's conversations newest first, with preview, message count and times, and never another person's", async () => {
      const { client } = await rose(env());
      sim().script({ match: { lastUser: "piano", structured: "none" }, reply: { content: "Piano is a lovely thing to come back to." } });
      const first = await client.startSession();
      const second = await client.startSession();
      await say(client, first, "I started piano again.");
      await say(client, second, "Work was long today.");
      await say(client, first, "The piano teacher is kind.");

      const { sessions, next_cursor } = await list(client);
      expect(sessions.map((s) => s.id)).toEqual([first, second]);
      expect(next_cursor).toBeNull();
      expect(sessions[0]).toMatchObject({ message_count: 4, preview: "Piano is a lovely thing to come back to." });
      expect(sessions[1]!.message_count).toBe(2);
      expect(sessions[1]!.preview).toContain("Work was long today.");
      expect(Date.parse(sessions[0]!.updated_at)).toBeGreaterThan(Date.parse(sessions[1]!.updated_at));
      expect(Date.parse(sessions[0]!.created_at)).toBeLessThanOrEqual(Date.parse(sessions[1]!.created_at));

      // Starting a new conversation keeps the old ones; an empty one is listed on top, without messages.
      const third = await client.startSession();
      const after = await list(client);
      expect(after.sessions.map((s) => s.id)).toEqual([third, first, second]);
      expect(after.sessions[0]).toMatchObject({ title: null, preview: null, message_count: 0 });

      expect((await list(client.stranger())).sessions).toEqual([]);
    });

    it("pages with limit and the next_cursor, never skipping or repeating a conversation", async () => {
      const { client } = await rose(env());
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await client.startSession());
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ""}`;
        const page = await list(client, query);
        expect(page.sessions.length).toBeLessThanOrEqual(2);
        seen.push(...page.sessions.map((s) => s.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      // The pages together are the whole list in its order, each conversation once.
      expect(seen).toEqual((await list(client)).sessions.map((s) => s.id));
      expect([...seen].sort()).toEqual([...ids].sort());
    });

    it("answers a bad limit or cursor with a 400 naming the field", async () => {
      const { client } = await rose(env());
      await client.startSession();
      for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?limit=2.5", "?before=nonsense", `?before=${"A".repeat(300)}`]) {
        const { status, body } = await client.json("GET", `/api/v1/sessions${query}`);
        expect(status, query).toBe(400);
        expect(body.error.code).toBe("bad_request");
        expect(body.error.message).toMatch(/^(limit|before):/);
      }
      // Well-formed base64 of the wrong shape is no cursor either.
      const forged = Buffer.from(JSON.stringify(["yesterday", "not-an-id"])).toString("base64url");
      expect((await client.json("GET", `/api/v1/sessions?before=${forged}`)).status).toBe(400);
    });
  });

  describe("conversation titles", () => {
    it("come from the small model after the first exchange, as plain text without quotes", async () => {
      const { client } = await rose(env());
      sim().script({ match: TITLE_RULE, reply: { content: '"Learning the piano again."\nThis title fits because…' } });
      const sessionId = await client.startSession();
      await say(client, sessionId, "I started piano again after twenty years.");
      expect(await titleOf(client, sessionId)).toBe("Learning the piano again");

      const asked = sim()
        .requests({ endpoint: "chat" })
        .filter((r) => r.model === "sim-small" && JSON.stringify(r.body).includes("name conversations"));
      expect(asked).toHaveLength(1);
      expect(JSON.stringify(asked[0]!.body)).toContain("I started piano again after twenty years.");

      // Later exchanges keep the title: the conversation is named once.
      await say(client, sessionId, "My hands remember more than I thought.");
      await say(client, sessionId, "I practise every evening now.");
      expect(await titleOf(client, sessionId)).toBe("Learning the piano again");
      expect(
        sim()
          .requests({ endpoint: "chat" })
          .filter((r) => JSON.stringify(r.body).includes("name conversations")),
      ).toHaveLength(1);
    });

    it("fall back to the first words of the person's first message when the small model fails, and the turn is unharmed", async () => {
      const { client } = await rose(env());
      sim().script({ match: TITLE_RULE, fail: { status: 500, message: "small model down" } });
      const sessionId = await client.startSession();
      const reply = await say(client, sessionId, "My   grandmother's garden is full of roses this summer, and I miss her.");
      expect(reply).toContain("grandmother");
      expect(await titleOf(client, sessionId)).toBe("My grandmother's garden is full of");
    });

    it("never hold up the reply: a title request that hangs leaves the turn, and shutdown, unharmed", async () => {
      // Started here, not by the harness: this test stops it itself.
      const server = await startRose({ ...env(), ...storeEnv() }, harness.tempDataDir().path);
      try {
        sim().script({ match: TITLE_RULE, fail: { hang: true } });
        const sessionId = await server.client.startSession();
        // Were the title awaited by the turn, this would never answer.
        const reply = await say(server.client, sessionId, "The kettle is on and the rain has stopped.");
        expect(reply).toContain("kettle");
        const asked = () =>
          sim()
            .requests({ endpoint: "chat" })
            .filter((r) => JSON.stringify(r.body).includes("name conversations"));
        await vi.waitFor(() => expect(asked()).toHaveLength(1), { timeout: 10_000 });
        expect(asked()[0]!.finishedAt).toBeUndefined(); // the model is still "thinking"
        expect((await list(server.client)).sessions[0]).toMatchObject({ title: null, message_count: 2 });
      } finally {
        // Stopping gives the request up (a hanging model must not hold the process) and names it by its first words.
        await server.stop();
      }
      const again = await harness.rose({ ...env(), ...storeEnv() }, server.dataDir);
      expect((await list(server.client.at(again.url))).sessions[0]!.title).toBe("The kettle is on and the");
    });

    it("fall back to the first words when the small model answers nothing usable", async () => {
      const { client } = await rose(env());
      sim().script({ match: TITLE_RULE, reply: { content: ' "" \n' } });
      const sessionId = await client.startSession();
      await say(client, sessionId, "Tell me a story about lighthouses.");
      expect(await titleOf(client, sessionId)).toBe("Tell me a story about lighthouses");
    });

    it("never replace the person's own title", async () => {
      const { client } = await rose(env());
      // The model takes its time: the person renames the conversation first.
      sim().script({ match: TITLE_RULE, reply: { content: "Model title" }, latency: { totalMs: 600 } });
      const sessionId = await client.startSession();
      await say(client, sessionId, "Let's talk about the sea.");
      expect((await client.json("PATCH", `/api/v1/sessions/${sessionId}`, { title: "The sea" })).status).toBe(200);
      await vi.waitFor(
        () =>
          expect(
            sim()
              .requests({ endpoint: "chat" })
              .some((r) => r.finishedAt && JSON.stringify(r.body).includes("name conversations")),
          ).toBe(true),
        {
          timeout: 10_000,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await titleOf(client, sessionId)).toBe("The sea");
    });
  });

  describe("PATCH /api/v1/sessions/:id", () => {
    it("renames the conversation with trimmed, single-spaced plain text", async () => {
      const { client } = await rose(env());
      const sessionId = await client.startSession();
      const { status, body } = await client.json("PATCH", `/api/v1/sessions/${sessionId}`, { title: "  Summer   plans 🌻 " });
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: sessionId, title: "Summer plans 🌻" });
      expect((await list(client)).sessions[0]!.title).toBe("Summer plans 🌻");
    });

    it("refuses bad titles with a 400 and changes nothing", async () => {
      const { client } = await rose(env());
      const sessionId = await client.startSession();
      await client.json("PATCH", `/api/v1/sessions/${sessionId}`, { title: "Kept" });
      const bad: unknown[] = [
        { title: "x".repeat(81) },
        { title: "two\nlines" },
        { title: "a\ttab" },
        { title: "bell\u0007" },
        { title: "nul\u0000" },
        { title: "broken \ud800" },
        { title: "   " },
        { title: 42 },
        {},
        { title: "ok", extra: true },
      ];
      for (const body of bad) {
        const answer = await client.json("PATCH", `/api/v1/sessions/${sessionId}`, body);
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error.code).toBe("bad_request");
      }
      const sent = await client.request("PATCH", `/api/v1/sessions/${sessionId}`, "title=x", { "content-type": "text/plain" });
      expect(sent.status).toBe(415);
      expect((await list(client)).sessions[0]!.title).toBe("Kept");
    });

    it("answers 404 for another person's conversation, an unknown id, and changes nothing", async () => {
      const { client } = await rose(env());
      const sessionId = await client.startSession();
      await client.json("PATCH", `/api/v1/sessions/${sessionId}`, { title: "Mine" });
      const stranger = client.stranger();
      const theirs = await stranger.json("PATCH", `/api/v1/sessions/${sessionId}`, { title: "Taken" });
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.code).toBe("not_found");
      expect((await stranger.json("DELETE", `/api/v1/sessions/${sessionId}`)).status).toBe(404);
      expect((await client.json("PATCH", "/api/v1/sessions/00000000-0000-4000-8000-000000000000", { title: "x" })).status).toBe(404);
      expect((await client.json("PATCH", "/api/v1/sessions/not-a-uuid", { title: "x" })).status).toBe(400);
      expect((await list(client)).sessions).toMatchObject([{ id: sessionId, title: "Mine" }]);
    });

    it("is refused from another site", async () => {
      const { client } = await rose(env());
      const sessionId = await client.startSession();
      const answer = await client.json(
        "PATCH",
        `/api/v1/sessions/${sessionId}`,
        { title: "Cross" },
        { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      );
      expect(answer.status).toBe(403);
      expect((await list(client)).sessions[0]!.title).toBeNull();
    });
  });

  describe("DELETE /api/v1/sessions/:id", () => {
    it("removes the conversation (its messages and its row) and leaves the others", async () => {
      const { client, rose: service } = await rose(env());
      const kept = await client.startSession();
      const removed = await client.startSession();
      await say(client, kept, "Keep this one.");
      await say(client, removed, "Forget this one.");
      expect(await service.threadBytes(removed)).toBeGreaterThan(0);

      expect((await client.json("DELETE", `/api/v1/sessions/${removed}`)).status).toBe(204);
      expect(await service.threadBytes(removed)).toBe(0);
      expect((await client.json("GET", `/api/v1/sessions/${removed}/messages`)).status).toBe(404);
      expect((await list(client)).sessions.map((s) => s.id)).toEqual([kept]);
      expect((await client.json("GET", `/api/v1/sessions/${kept}/messages`)).body.messages).toHaveLength(2);
      expect((await client.json("DELETE", `/api/v1/sessions/${removed}`)).status).toBe(404);
    });

    it("removes the conversation's spoken replies too, and only that conversation's", async () => {
      const { client } = await rose(env());
      const spoken = async (sessionId: string, words: string) => {
        sim().script({ match: { endpoint: "transcription" }, times: 1, reply: { transcript: words } });
        const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(spokenWav("Hello Rose."), "clip.wav", { session_id: sessionId }));
        expect(status).toBe(200);
        return body.audio_url as string;
      };
      const removed = await client.startSession();
      const kept = await client.startSession();
      const removedAudio = await spoken(removed, "Say something to me.");
      const keptAudio = await spoken(kept, "And something else.");
      expect((await client.request("GET", removedAudio)).status).toBe(200);

      expect((await client.json("DELETE", `/api/v1/sessions/${removed}`)).status).toBe(204);
      expect((await client.request("GET", removedAudio)).status).toBe(404);
      expect((await client.request("GET", keptAudio)).status).toBe(200);
    });

    it("clearing the messages empties the listing's preview and count but keeps the title", async () => {
      const { client } = await rose(env());
      sim().script({ match: TITLE_RULE, reply: { content: "Rainy days" } });
      const sessionId = await client.startSession();
      await say(client, sessionId, "It has rained all week.");
      await titleOf(client, sessionId);
      expect((await client.json("DELETE", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(204);
      expect((await list(client)).sessions[0]).toMatchObject({ title: "Rainy days", preview: null, message_count: 0 });
    });
  });

  describe("message counts through regenerate and retry", () => {
    it("a replaced exchange does not count twice", async () => {
      const { client } = await rose(env());
      const sessionId = await client.startSession();
      await say(client, sessionId, "Tell me something kind.");
      const regenerated = await client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true });
      expect(regenerated.status).toBe(200);
      expect((await list(client)).sessions[0]!.message_count).toBe(2);
      const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
      expect(history.body.messages).toHaveLength(2);
    });
  });
});

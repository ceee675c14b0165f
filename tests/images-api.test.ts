import Database from "better-sqlite3";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { RunningRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { animatedGif, chatForm, heicHeader, jpegWithGps, png, pngBomb } from "./helpers/images.js";

const env = useSimulatedRose();

const VISION_MODEL = "sim-vision";

const llmEnv = (extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: env.sim.openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  RATE_LIMIT_PER_MINUTE: "0",
  ...extra,
});

/** Rows in the image table of a SQLite-backed Rose. */
function storedImageCount(server: RunningRose): number {
  const db = new Database(join(server.dataDir, "memory.db"), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM images").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function replyRequests(model: string) {
  return env.sim.requests({ endpoint: "chat" }).filter((r) => r.model === model);
}

describe("pictures from the person", () => {
  it("stores a clean copy (EXIF and GPS gone, upright), serves it only to its owner, and shows it to the vision model", async () => {
    const server = await env.rose(llmEnv({ VISION_MODEL }));
    const photo = await jpegWithGps("taken-at-rua-das-flores-12");
    expect(photo.includes("taken-at-rua-das-flores-12")).toBe(true);
    expect((await sharp(photo).metadata()).exif).toBeDefined();

    const sessionId = await server.client.startSession();
    const { status, body } = await server.client.json(
      "POST",
      "/api/v1/chat",
      chatForm({ session_id: sessionId, message: "This is my garden" }, [{ bytes: photo }]),
    );
    expect(status).toBe(200);
    expect(body.attached_images).toHaveLength(1);
    expect(body.images_seen).toBe(true);
    const id = body.attached_images[0] as string;

    // The vision model received the picture as an image part of the newest user message; the chat model was not asked.
    const seen = replyRequests(VISION_MODEL);
    expect(seen).toHaveLength(1);
    const asked = seen[0]!.messages!.at(-1)!;
    expect(asked.role).toBe("user");
    expect(asked.content).toContain("This is my garden");
    expect(asked.images).toEqual([{ mime: "image/jpeg", bytes: expect.any(Number) }]);
    expect(replyRequests("sim-chat")).toHaveLength(0);

    const served = await server.client.request("GET", `/api/v1/images/${id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    expect(served.headers.get("cache-control")).toMatch(/^private/);
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = Buffer.from(await served.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([48, 32]);
    expect(meta.exif).toBeUndefined();
    expect(bytes.includes("taken-at-rua-das-flores-12")).toBe(false);
    expect(bytes.includes("RoseTestCam")).toBe(false);

    // Someone else, a made-up id and a malformed one: all simply not found.
    expect((await server.client.stranger().request("GET", `/api/v1/images/${id}`)).status).toBe(404);
    expect((await server.client.request("GET", "/api/v1/images/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await server.client.request("GET", "/api/v1/images/..%2Fmemory.db")).status).toBe(404);

    // The thread's checkpoints hold the picture's id, never its bytes.
    const db = new Database(join(server.dataDir, "memory.db"), { readonly: true });
    const blobs = db.prepare("SELECT checkpoint AS data FROM checkpoints UNION ALL SELECT value AS data FROM writes").all() as Array<{ data: Buffer | string }>;
    db.close();
    const saved = blobs.map((b) => Buffer.from(b.data).toString("utf8")).join("\n");
    expect(saved).toContain(id);
    expect(saved).not.toContain("data:image");
    expect(saved).not.toContain(bytes.subarray(0, 60).toString("base64"));

    // History names the picture (by id) after a reload.
    const history = await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages[0]).toMatchObject({ role: "user", content: "This is my garden", images: [id] });

    // The next turn has no picture: it goes to the chat model, the old picture as a short note only.
    await server.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Do you like roses?" });
    const next = replyRequests("sim-chat").at(-1)!;
    expect(next.messages!.every((m) => m.images === undefined)).toBe(true);
    expect(next.messages!.find((m) => m.content.startsWith("This is my garden"))!.content).toContain("[The person shared a picture here.]");
    const body2 = JSON.stringify(next.body);
    expect(body2).not.toContain("base64");
  });

  it("streams a turn with pictures and no text; without a vision model Rose says kindly she cannot see them", async () => {
    const server = await env.rose(llmEnv());
    const form = chatForm({}, [{ bytes: await png(), type: "image/png", name: "a.png" }, { bytes: await jpegWithGps() }]);
    const { status, events } = await server.client.stream("/api/v1/chat/stream", form);
    expect(status).toBe(200);
    const done = events.find((e) => e.event === "done")!.data as { session_id: string; attached_images: string[]; images_seen: boolean; reply: string };
    expect(done.attached_images).toHaveLength(2);
    expect(done.images_seen).toBe(false);
    const request = replyRequests("sim-chat").at(-1)!;
    expect(request.messages!.find((m) => m.role === "system")!.content).toContain("you cannot see pictures yet");
    expect(request.messages!.every((m) => m.images === undefined)).toBe(true);
    expect(done.reply.length).toBeGreaterThan(0);
    const history = await server.client.json("GET", `/api/v1/sessions/${done.session_id}/messages`);
    expect(history.body.messages[0]).toMatchObject({ role: "user", content: "", images: done.attached_images });
    expect(storedImageCount(server)).toBe(2);
  });

  it("reaches Groq's vision model too, as an OpenAI-style image part (GROQ_VISION_MODEL)", async () => {
    const server = await env.rose({
      GROQ_API_KEY: "sim-key",
      GROQ_BASE_URL: env.sim.groqBaseUrl,
      GROQ_VISION_MODEL: "meta-llama/llama-4-scout-17b-16e-instruct",
      RATE_LIMIT_PER_MINUTE: "0",
    });
    const { status } = await server.client.json(
      "POST",
      "/api/v1/chat",
      chatForm({ message: "What flower is this?" }, [{ bytes: await png(), type: "image/png" }]),
    );
    expect(status).toBe(200);
    const [request] = env.sim.requests({ endpoint: "chat", provider: "groq" }).filter((r) => r.model === "meta-llama/llama-4-scout-17b-16e-instruct");
    expect(request!.messages!.at(-1)).toMatchObject({
      role: "user",
      content: "What flower is this?",
      images: [{ mime: "image/png", bytes: expect.any(Number) }],
    });
  });

  it("answers the words with the chat model when the vision model fails before a word", async () => {
    const server = await env.rose(llmEnv({ VISION_MODEL, PROVIDER_RETRIES: "0" }));
    env.sim.script({ match: { model: VISION_MODEL }, fail: { status: 500 } });
    env.sim.script({ match: { model: "sim-chat" }, reply: { content: "I can't see it just now, but tell me about it." } });
    const { status, body } = await server.client.json("POST", "/api/v1/chat", chatForm({ message: "My new bike" }, [{ bytes: await png() }]));
    expect(status).toBe(200);
    expect(body).toMatchObject({ fallback: false, images_seen: false, reply: "I can't see it just now, but tell me about it." });
    const words = replyRequests("sim-chat").at(-1)!;
    expect(words.messages!.at(-1)).toEqual({ role: "user", content: "My new bike" });
    expect(words.messages![0]!.content).toContain("you cannot see pictures yet");
  });

  it("a regenerate asks about the same pictures again; an edit sends only its new words", async () => {
    const server = await env.rose(llmEnv({ VISION_MODEL }));
    const first = await server.client.json("POST", "/api/v1/chat", chatForm({ message: "Guess where I am" }, [{ bytes: await png() }]));
    const sessionId = first.body.session_id as string;
    const again = await server.client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true });
    expect(again.status).toBe(200);
    expect(replyRequests(VISION_MODEL)).toHaveLength(2);
    expect(replyRequests(VISION_MODEL)[1]!.messages!.at(-1)!.images).toHaveLength(1);
    let history = (await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages;
    expect(history).toHaveLength(2);
    expect(history[0].images).toEqual(first.body.attached_images);

    const edited = await server.client.json("POST", "/api/v1/chat", { session_id: sessionId, edit: true, message: "Guess my city" });
    expect(edited.status).toBe(200);
    expect(replyRequests(VISION_MODEL)).toHaveLength(2);
    history = (await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages;
    expect(history[0]).toEqual(expect.not.objectContaining({ images: expect.anything() }));
  });

  it("keeps JSON turns working as before", async () => {
    const server = await env.rose(llmEnv());
    const { status, body } = await server.client.json("POST", "/api/v1/chat", { message: "hello" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ attached_images: [], images: [], images_seen: true });
  });
});

describe("pictures refused: a clear 4xx, nothing stored or changed", () => {
  const cases: Array<{ name: string; make: () => Promise<Array<{ bytes: Buffer; type?: string }>>; status: number; message: RegExp }> = [
    {
      name: "a text file named .jpg",
      make: async () => [{ bytes: Buffer.from("#!/bin/sh\necho not a picture\n") }],
      status: 415,
      message: /JPEG, PNG, WebP or GIF/,
    },
    { name: "an iPhone HEIC photo", make: async () => [{ bytes: heicHeader(), type: "image/heic" }], status: 415, message: /HEIC.*export the photo as JPEG/ },
    {
      name: "a file over the size limit",
      make: async () => [{ bytes: Buffer.concat([await png(), Buffer.alloc(1_200_000)]) }],
      status: 413,
      message: /at most 1 MB/,
    },
    {
      name: "a decompression bomb (a tiny PNG declaring 60000×60000)",
      make: async () => [{ bytes: await pngBomb(), type: "image/png" }],
      status: 413,
      message: /too large to open/,
    },
    { name: "an animation past the frame limit", make: async () => [{ bytes: await animatedGif(6), type: "image/gif" }], status: 413, message: /6 frames/ },
    {
      name: "an animation whose frames together are too many pixels (each frame alone is fine)",
      make: async () => [{ bytes: await animatedGif(4, 600), type: "image/gif" }],
      status: 413,
      message: /4 frames of 600×600 pixels/,
    },
    {
      name: "too many pictures in one message",
      make: async () => Promise.all(Array.from({ length: 5 }, async () => ({ bytes: await png(), type: "image/png" }))),
      status: 400,
      message: /at most 4 pictures/,
    },
    { name: "a damaged picture (cut short)", make: async () => [{ bytes: (await jpegWithGps()).subarray(0, 200) }], status: 400, message: /could not be read/ },
  ];

  for (const refused of cases) {
    it(refused.name, async () => {
      const server = await env.rose(llmEnv({ MAX_IMAGE_MB: "1", MAX_IMAGE_FRAMES: "5", MAX_IMAGE_MEGAPIXELS: "1" }));
      const sessionId = await server.client.startSession();
      for (const path of ["/api/v1/chat", "/api/v1/chat/stream"]) {
        const { status, body } = await server.client.json("POST", path, chatForm({ session_id: sessionId, message: "look" }, await refused.make()));
        expect(status).toBe(refused.status);
        expect(body.error).toMatchObject({ message: expect.stringMatching(refused.message), request_id: expect.any(String) });
      }
      expect(env.sim.requests({ endpoint: "chat" })).toHaveLength(0);
      expect(storedImageCount(server)).toBe(0);
      expect((await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toEqual([]);
    });
  }

  it("pictures with a regenerate or a retry, or outside the images field", async () => {
    const server = await env.rose(llmEnv());
    const sessionId = await server.client.startSession();
    await server.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "hello" });
    const regenerate = await server.client.json("POST", "/api/v1/chat", chatForm({ session_id: sessionId, regenerate: "true" }, [{ bytes: await png() }]));
    expect(regenerate.status).toBe(400);
    const form = new FormData();
    form.append("message", "hi");
    form.append("photo", new Blob([new Uint8Array(await png())], { type: "image/png" }), "p.png");
    const wrongField = await server.client.json("POST", "/api/v1/chat", form);
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.error.message).toMatch(/field "images"/);
    expect(storedImageCount(server)).toBe(0);
    expect((await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toHaveLength(2);
  });

  it("hostile multipart: odd field names, traversal file names, too many fields, truncated or boundary-less bodies", async () => {
    const server = await env.rose(llmEnv());
    const picture = await png();
    const raw = (parts: Array<{ name: string; filename?: string; data: string | Buffer }>, truncate = false) => {
      const chunks = parts.flatMap((p) => [
        Buffer.from(
          `--b0undary\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ""}\r\n${p.filename ? "Content-Type: image/png\r\n" : ""}\r\n`,
        ),
        Buffer.from(p.data),
        Buffer.from("\r\n"),
      ]);
      const body = Buffer.concat([...chunks, Buffer.from("--b0undary--\r\n")]);
      return truncate ? body.subarray(0, body.length - 40) : body;
    };
    const image = { name: "images", filename: "a.png", data: picture };
    const probes: Array<{ type: string; body: Buffer; ok?: true }> = [
      { type: "multipart/form-data; boundary=b0undary", body: raw([{ name: "__proto__", data: "x" }, { name: "message", data: "hi" }, image]), ok: true },
      {
        type: "multipart/form-data; boundary=b0undary",
        body: raw([
          { name: "message", data: "hi" },
          { ...image, filename: "../../etc/passwd\u0000.png" },
        ]),
      },
      { type: "multipart/form-data; boundary=b0undary", body: raw([...Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: "x" })), image]) },
      { type: "multipart/form-data; boundary=b0undary", body: raw([{ name: "message", data: "hi" }, image], true) },
      { type: "multipart/form-data", body: raw([{ name: "message", data: "hi" }, image]) },
      { type: "multipart/form-data; boundary=b0undary", body: raw([{ name: "message", data: "\u0000" }, image]) },
      { type: "multipart/form-data; boundary=b0undary", body: raw([{ name: "message", data: "hi" }, { name: "retry", data: "maybe" }, image]) },
      {
        type: "multipart/form-data; boundary=b0undary",
        body: raw([
          { name: "message", data: "hi" },
          { ...image, data: Buffer.alloc(0) },
        ]),
      },
    ];
    for (const [i, probe] of probes.entries()) {
      const before = storedImageCount(server);
      // Raw bytes, exactly as written (a new anonymous person each time: the store is counted as a whole).
      const response = await fetch(`${server.url}/api/v1/chat`, { method: "POST", body: new Uint8Array(probe.body), headers: { "content-type": probe.type } });
      const body = (await response.json()) as { error?: { code: string } };
      if (probe.ok) {
        expect(response.status, JSON.stringify(body)).toBe(200);
        expect(storedImageCount(server)).toBe(before + 1);
      } else {
        expect(response.status, `probe ${i}: ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(body.error?.code).toEqual(expect.any(String));
        expect(storedImageCount(server)).toBe(before);
      }
    }
    // The odd field name polluted nothing.
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it("a turn that fails after its pictures were stored takes them back", async () => {
    const server = await env.rose(llmEnv({ VISION_MODEL }));
    const sessionId = await server.client.startSession();
    // Stopped before a word: the turn leaves the thread as it was, so its picture must not stay behind either.
    env.sim.script({ match: { model: VISION_MODEL }, fail: { hang: true } });
    const turn = server.client.stream("/api/v1/chat/stream", chatForm({ session_id: sessionId, message: "see?" }, [{ bytes: await png() }]));
    await expect.poll(() => replyRequests(VISION_MODEL).length).toBe(1);
    expect((await server.client.json("POST", "/api/v1/chat/stop", { session_id: sessionId })).status).toBe(202);
    const { events } = await turn;
    expect(events.some((e) => e.event === "error")).toBe(true);
    await expect.poll(() => storedImageCount(server)).toBe(0);
    expect((await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toEqual([]);
  });
});

describe("pictures from Rose", () => {
  const imageEnv = () => llmEnv({ IMAGE_GENERATION_BASE_URL: env.sim.openaiBaseUrl, IMAGE_GENERATION_API_KEY: "sim-key", IMAGE_GENERATION_MODEL: "sim-image" });
  const askForPicture = () => env.sim.script({ match: { structured: "route_decision" }, reply: { structured: { response_type: "image" } } });

  it("draws what the person asks for: the reply carries a stored PNG, in history too", async () => {
    const server = await env.rose(imageEnv());
    askForPicture();
    const { status, events } = await server.client.stream("/api/v1/chat/stream", { message: "Can you draw me a lighthouse at dusk?" });
    expect(status).toBe(200);
    const done = events.find((e) => e.event === "done")!.data as { session_id: string; images: string[]; route: string };
    expect(done.route).toBe("image");
    expect(done.images).toHaveLength(1);
    const generation = env.sim.requests({ endpoint: "images" });
    expect(generation).toHaveLength(1);
    expect(generation[0]).toMatchObject({ model: "sim-image", text: expect.stringContaining("lighthouse") });
    expect(
      replyRequests("sim-chat")
        .at(-1)!
        .messages!.find((m) => m.role === "system")!.content,
    ).toContain("you made one");

    const served = await server.client.request("GET", `/api/v1/images/${done.images[0]}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).format).toBe("png");
    const history = await server.client.json("GET", `/api/v1/sessions/${done.session_id}/messages`);
    expect(history.body.messages[1]).toMatchObject({ role: "assistant", images: done.images });
  });

  it("paints it in words when the endpoint fails, or when none is configured", async () => {
    const failing = await env.rose(imageEnv());
    askForPicture();
    env.sim.script({ match: { endpoint: "images" }, fail: { status: 400, message: "content policy" } });
    const first = await failing.client.json("POST", "/api/v1/chat", { message: "Draw me a fox" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ route: "image", images: [], fallback: false });
    expect(
      replyRequests("sim-chat")
        .at(-1)!
        .messages!.find((m) => m.role === "system")!.content,
    ).toContain("paint it for them in a few vivid words");
    expect(storedImageCount(failing)).toBe(0);

    const wordsOnly = await env.rose(llmEnv());
    askForPicture();
    const second = await wordsOnly.client.json("POST", "/api/v1/chat", { message: "Draw me a fox" });
    expect(second.body).toMatchObject({ route: "image", images: [] });
    expect(env.sim.requests({ endpoint: "images" })).toHaveLength(1);
  });
});

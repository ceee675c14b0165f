import OpenAI from "openai";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { png } from "./helpers/images.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/** The provider simulator's picture endpoints, through the real OpenAI SDK. */

let sim: Simulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ apiKey: "sim-key", baseURL: sim.openaiBaseUrl, maxRetries: 0 });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

describe("the simulator and pictures", () => {
  it("answers an image generation with a small real PNG in b64_json, recording the prompt", async () => {
    const response = await client.images.generate({ model: "gpt-image-1", prompt: "a lighthouse at dusk", size: "1024x1024" });
    const bytes = Buffer.from(response.data![0]!.b64_json!, "base64");
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: "png", width: 64, height: 64 });
    expect(sim.requests({ endpoint: "images" })).toMatchObject([{ provider: "openai", model: "gpt-image-1", text: "a lighthouse at dusk", status: 200 }]);
  });

  it("fails an image generation as scripted, and refuses URL responses it cannot serve", async () => {
    sim.script({ match: { endpoint: "images", text: "forbidden" }, fail: { status: 400, message: "content policy violation" } });
    await expect(client.images.generate({ model: "dall-e-3", prompt: "something forbidden", response_format: "b64_json" })).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.images.generate({ model: "dall-e-3", prompt: "a cat", response_format: "url" })).rejects.toMatchObject({ status: 400 });
  });

  it("records the image parts of a vision request, so tests can check what the model was shown", async () => {
    const picture = await png();
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${picture.toString("base64")}` } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    const [request] = sim.requests({ endpoint: "chat" });
    expect(request!.messages).toEqual([
      { role: "user", content: "What is this?", images: [{ mime: "image/png", bytes: picture.length }, { url: "https://example.com/cat.jpg" }] },
    ]);
  });
});

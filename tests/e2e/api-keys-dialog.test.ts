import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/** The web app's API keys dialog in Chromium against the real Rose: a key made there works in OpenAI's client, and stops once revoked. */
const app = useWebApp({ prefix: "rose-e2e-keys-" });

describe("API keys in the web app", () => {
  it("creates a key shown once, which a program then uses as the same person, and revokes it", async () => {
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello from Rose, through your script." } });
    const page = await app.newPage(1280, 900);
    await page.goto("/chat");
    await page.getByRole("button", { name: "API keys" }).click();
    const dialog = page.getByRole("dialog", { name: "API keys" });
    await dialog.getByText("No keys yet.").waitFor();
    await dialog.getByLabel("Name a new key").fill("My script");
    await dialog.getByRole("button", { name: "Create key" }).click();
    const secret = await dialog.getByLabel("Your new API key").inputValue();
    expect(secret).toMatch(/^rose_sk_/);

    const openai = new OpenAI({ apiKey: secret, baseURL: `${app.rose.url}/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({ model: "rose", messages: [{ role: "user", content: "Hi from my script" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello from Rose, through your script.");
    // The thread is the browser person's own: the web app's session reads it.
    const sessionId = response.headers.get("x-rose-session")!;
    const history = await page.evaluate(async (id) => (await fetch(`/api/v1/sessions/${id}/messages`)).status, sessionId);
    expect(history).toBe(200);

    await dialog.getByRole("button", { name: "Done" }).click();
    await page.reload();
    await page.getByRole("button", { name: "API keys" }).click();
    await dialog.getByText(/last used/).waitFor();
    await dialog.getByRole("button", { name: "Revoke My script" }).click();
    await dialog.getByRole("group", { name: "Revoke My script?" }).getByRole("button", { name: "Revoke" }).click();
    await dialog.getByText("No keys yet.").waitFor();
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

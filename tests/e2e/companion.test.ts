import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The companion in the web app, in Chromium against the real server and the simulator: the person picks
 * a character in "Your companion", talks with her, and on coming back (a new conversation, after the
 * opener delay, here zero) she speaks first about what they told her.
 */
const app = useWebApp({ prefix: "rose-e2e-companion-", env: { OPENER_AFTER_MINUTES: "0", PROVIDER_RETRIES: "0" } });

describe("the companion in the web app", () => {
  it("picks a character, talks with her, and sees her opener on return", async () => {
    app.sim.script({
      match: { structured: "memory_analysis", lastUser: "interview" },
      reply: { structured: { action: "add", memory: "The user has a job interview on Friday.", type: "event", importance: 0.8, replaces_id: "" } },
    });
    app.sim.script({ match: { system: "greeting someone who has come back" }, reply: { content: "How did the interview go?" } });
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Friday, then. You'll do well, I think." } });

    const page = await app.newPage(1280, 860);
    await page.goto("/chat");
    const companionButton = page.locator(".companion-button");
    await expect.poll(() => companionButton.textContent()).toMatch(/Rose/);

    await companionButton.click();
    const dialog = page.getByRole("dialog", { name: "Your companion" });
    await dialog.getByRole("radio", { name: /Sage/ }).check();
    await dialog.getByLabel("What should she call you?").fill("Ana");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
    await page.keyboard.press("Escape");
    await expect.poll(() => companionButton.textContent()).toMatch(/Sage/);

    const box = page.getByLabel("Your message to Rose");
    await box.fill("I have a job interview on Friday and I'm nervous.");
    await box.press("Enter");
    await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);
    const reply = app.sim.requests({ endpoint: "chat" }).find((r) => r.model === "sim-chat")!;
    const system = reply.messages!.find((m) => m.role === "system")!.content;
    expect(system).toMatch(/^You are Sage,/);
    expect(system).toContain("The person likes to be called Ana");
    expect(system).toMatch(/Tone: The person sounds anxious/);

    // Coming back: a new conversation, and Sage speaks first about the interview.
    // Her memory of the interview is written just after the reply: wait until it is there.
    await expect.poll(async () => ((await (await page.request.get("/api/v1/memories")).json()) as { total: number }).total, { timeout: 10_000 }).toBe(1);
    await page.getByRole("button", { name: "New conversation" }).click();
    await expect
      .poll(() => page.locator(".from-rose .bubble").first().textContent(), { timeout: 10_000 })
      .toMatch(/Welcome back, Ana\. How did the interview go\?/);
    expect(await page.locator(".from-you").count()).toBe(0);
  });

  it("has nothing of moderate or higher impact for axe-core in the companion panel (phone)", async () => {
    const page = await app.newPage(390, 844, { bypassCSP: true, reducedMotion: "reduce" });
    await page.goto("/chat");
    await page.locator(".companion-button").click();
    const dialog = page.getByRole("dialog", { name: "Your companion" });
    await expect.poll(() => dialog.getByRole("radio").count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await expect.poll(() => page.evaluate("getComputedStyle(document.querySelector('.companion-panel')).opacity")).toBe("1");
    await page.addScriptTag({ content: readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8") });
    const found = await page.evaluate<Array<{ id: string; impact: string | null; help: string }>>(
      "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
    );
    expect(found.filter((v) => ["moderate", "serious", "critical"].includes(v.impact ?? "")).map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
});

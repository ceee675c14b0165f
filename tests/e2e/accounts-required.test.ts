import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The web app when the server requires an account (REQUIRE_AUTHENTICATION=true), and the sign-in dialog's
 * keyboard and accessibility contract, in Chromium: the sign-in screen comes first, nothing else is
 * offered, and signing up opens Rose.
 */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SERIOUS = new Set(["moderate", "serious", "critical"]);

const app = useWebApp({
  prefix: "rose-e2e-accounts-required-",
  env: { REQUIRE_AUTHENTICATION: "true", AUTH_RATE_LIMIT_PER_MINUTE: "0", ACCESS_TOKEN_MINUTES: "0.05" }, // 3-second access tokens
});

async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ content: AXE_SOURCE });
  const found = await page.evaluate<Array<{ id: string; impact: string | null; help: string }>>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  );
  return found.filter((v) => SERIOUS.has(v.impact ?? "")).map((v) => `${v.id}: ${v.help}`);
}

describe("when accounts are required", () => {
  it("opens on the sign-in screen, offers nothing else, and opens Rose once the person has an account", async () => {
    const page = await app.newPage(390, 844, { bypassCSP: true, reducedMotion: "reduce" });
    await page.goto("/");
    await expect.poll(() => page.getByRole("heading", { name: "Sign in to talk with Rose" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: /What Rose remembers|Memories/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Continue without an account" }).count()).toBe(0);
    expect(await violations(page)).toEqual([]);

    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill(`required.${process.pid}@example.com`);
    await page.getByLabel("Password").fill("quiet-river-stones");
    await page.getByRole("button", { name: "Create my account" }).click();
    await expect.poll(() => page.getByRole("button", { name: `required.${process.pid}@example.com` }).count()).toBe(1);
    await expect.poll(() => page.getByRole("button", { name: /What Rose remembers|Memories/ }).count()).toBe(1);
    expect(await page.getByRole("heading", { name: "Sign in to talk with Rose" }).count()).toBe(0);
    expect(await violations(page)).toEqual([]);

    // The account menu: opens on its first item, arrows move, Escape returns to the button.
    const account = page.getByRole("button", { name: `required.${process.pid}@example.com` });
    await account.click();
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('role')")).toBe("menuitem");
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("Delete my account");
    expect(await violations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('aria-haspopup')")).toBe("menu");

    // Signing out brings the sign-in screen back.
    await account.click();
    await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Sign in to talk with Rose" }).count()).toBe(1);
  });

  it("renews an expired access token silently, in two tabs at once, without either tab signing the other out", async () => {
    const page = await app.newPage(1280, 860);
    await page.goto("/");
    const email = `tabs.${process.pid}@example.com`;
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("quiet-river-stones");
    await page.getByRole("button", { name: "Create my account" }).click();
    await expect.poll(() => page.getByRole("button", { name: email }).count()).toBe(1);
    const second = await page.context().newPage();
    await second.goto("/");
    await expect.poll(() => second.getByRole("button", { name: email }).count()).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 4000)); // both tabs' access token has expired
    await Promise.all([page.reload(), second.reload()]);
    for (const tab of [page, second]) {
      await expect.poll(() => tab.getByRole("button", { name: email }).count(), { timeout: 10_000 }).toBe(1);
      expect(await tab.getByRole("heading", { name: "Sign in to talk with Rose" }).count()).toBe(0);
    }
    // Still one live sign-in: the memory panel loads in either tab.
    await second.getByRole("button", { name: /What Rose remembers|Memories/ }).click();
    await expect
      .poll(
        () =>
          second
            .getByRole("dialog", { name: "What Rose remembers" })
            .getByText(/Nothing yet/)
            .count(),
        { timeout: 10_000 },
      )
      .toBe(1);
  });
});

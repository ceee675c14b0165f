import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The API's documentation page in Debian's Chromium, with Rose's Content Security Policy as served:
 * Scalar renders the generated document from Rose's own files, the browser reports no CSP violation,
 * and nothing is fetched from anywhere but Rose.
 */
const app = useWebApp({ prefix: "rose-e2e-docs-" });

describe("the documentation page at /docs", () => {
  it("renders the OpenAPI document under Rose's CSP, from Rose alone", async () => {
    const page = await app.newPage(1280, 900);
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    const origin = new URL(app.rose.url).origin;
    page.on("console", (message) => {
      if (message.type() === "error" || /Content Security Policy/i.test(message.text())) consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (!["data:", "blob:"].includes(url.protocol) && url.origin !== origin) foreignRequests.push(request.url());
    });

    const response = await page.goto(`${app.rose.url}/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    // 'wasm-unsafe-eval' (WebAssembly, for the voice page's Silero VAD) is allowed; JavaScript eval is not.
    expect(csp).not.toMatch(/'unsafe-eval'/);

    // Rendered from the generated document: its description, its tags, and a group's operations once opened.
    await page.getByText("Rose, an AI companion who remembers.").first().waitFor({ timeout: 60_000 });
    await page.getByText("OpenAI-compatible").first().click();
    await page.getByText("Talk with Rose (OpenAI Chat Completions)").first().waitFor();
    await page.getByText("API keys").first().waitFor();

    expect(consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});

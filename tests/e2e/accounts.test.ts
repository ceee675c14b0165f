import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * Accounts in Debian's Chromium against the real server: an anonymous person signs up from the header
 * and keeps their conversation, signs in on a second browser and finds the same conversation and
 * memories; a passkey is added and used to sign in with Chromium's virtual authenticator (DevTools
 * protocol, WebAuthn domain).
 */

const app = useWebApp({ prefix: "rose-e2e-accounts-", env: { AUTH_RATE_LIMIT_PER_MINUTE: "0" } });
const PASSWORD = "moonlit-orchard-kettle";
let counter = 0;
const freshEmail = () => `e2e.${process.pid}.${++counter}@example.com`;

async function openAuthDialog(page: Page) {
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  return page.getByRole("dialog", { name: "Your Rose account" });
}

async function signUpWithPassword(page: Page, email: string) {
  const dialog = await openAuthDialog(page);
  await dialog.getByRole("button", { name: "Create an account" }).click();
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Password").fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create my account" }).click();
  await expect.poll(() => page.getByRole("button", { name: email }).count()).toBe(1);
}

async function signOut(page: Page, email: string) {
  await page.getByRole("button", { name: email }).click();
  await page.getByRole("menuitem", { name: "Sign out", exact: true }).click();
  await expect.poll(() => page.getByRole("button", { name: "Sign in", exact: true }).count()).toBe(1);
}

/** A page with Chromium's virtual authenticator (DevTools' WebAuthn domain), on localhost: WebAuthn needs a domain for its relying party, not a bare IP address. */
async function passkeyPage(width: number, height: number): Promise<Page> {
  const page = await app.newPage(width, height, { baseURL: app.rose.url.replace("127.0.0.1", "localhost") });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return page;
}

describe("accounts in the web app", () => {
  it("signs up from the header keeping the conversation, and signing in on another browser brings the same conversation and memories", async () => {
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Piano on Tuesdays sounds lovely." } });
    const laptop = await app.newPage(1280, 860);
    await laptop.goto("/chat");
    const box = laptop.getByLabel("Your message to Rose");
    await box.fill("I teach piano on Tuesdays.");
    await box.press("Enter");
    await expect.poll(() => laptop.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);
    expect((await laptop.request.post("/api/v1/memories", { data: { text: "Maya teaches piano on Tuesdays." } })).status()).toBe(201);
    const sessionId = await laptop.evaluate<string>(`localStorage.getItem("rose.session_id")`);
    expect(sessionId).toBeTruthy();

    const email = freshEmail();
    await signUpWithPassword(laptop, email);
    // The conversation stays on screen: the account took this browser's anonymous identity over.
    await expect.poll(() => laptop.locator(".from-rose .bubble").getByText("Piano on Tuesdays sounds lovely.").count()).toBe(1);

    const phone = await app.newPage(390, 844);
    await phone.goto("/chat");
    const dialog = await openAuthDialog(phone);
    await dialog.getByLabel("Email").fill(email);
    await dialog.getByLabel("Password").fill("not the password");
    await dialog.locator("form").getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => dialog.getByRole("alert").textContent()).toMatch(/don't match an account/);
    await dialog.getByLabel("Password").fill(PASSWORD);
    await dialog.locator("form").getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => phone.getByRole("button", { name: email }).count()).toBe(1);
    expect(await phone.getByRole("dialog").count()).toBe(0);

    await phone.getByRole("button", { name: /What Rose remembers|Memories/ }).click();
    const memories = phone.getByRole("dialog", { name: "What Rose remembers" });
    await expect.poll(() => memories.getByText("Maya teaches piano on Tuesdays.").count()).toBe(1);
    await memories.getByRole("button", { name: "Close" }).first().click();

    // The laptop's conversation, opened on the phone (the conversation list is its own piece of the app).
    await phone.evaluate(`localStorage.setItem("rose.session_id", ${JSON.stringify(sessionId)})`);
    await phone.reload();
    await expect.poll(() => phone.locator(".from-rose .bubble").getByText("Piano on Tuesdays sounds lovely.").count(), { timeout: 10_000 }).toBe(1);

    // Signing out on the phone leaves it a stranger again.
    await signOut(phone, email);
    const history = await phone.request.get(`/api/v1/sessions/${sessionId}/messages`);
    expect(history.status()).toBe(404);
  });

  it("keeps focus in the sign-in dialog, closes it with Escape back to its button, and leaves the person anonymous", async () => {
    const page = await app.newPage(390, 844);
    await page.goto("/");
    const dialog = await openAuthDialog(page);
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('type')")).toBe("email");
    for (let i = 0; i < 12; i++) await page.keyboard.press("Tab");
    expect(await dialog.count()).toBe(1);
    expect(await page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)")).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("Sign in");
    expect((await page.request.get("/api/v1/me")).status()).toBe(401);
  });

  it("changes the password from the account menu, which signs the other browser out, then signs out everywhere", async () => {
    const laptop = await app.newPage(1280, 860);
    await laptop.goto("/");
    const email = freshEmail();
    await signUpWithPassword(laptop, email);
    const phone = await app.newPage(390, 844);
    await phone.goto("/");
    const dialog = await openAuthDialog(phone);
    await dialog.getByLabel("Email").fill(email);
    await dialog.getByLabel("Password").fill(PASSWORD);
    await dialog.locator("form").getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => phone.getByRole("button", { name: email }).count()).toBe(1);

    await laptop.getByRole("button", { name: email }).click();
    await laptop.getByRole("menuitem", { name: "Change password" }).click();
    const change = laptop.getByRole("dialog", { name: "Change your password" });
    await expect.poll(() => laptop.evaluate("document.activeElement?.getAttribute('autocomplete')")).toBe("current-password");
    await change.getByLabel("Current password").fill("not my password");
    await change.getByLabel("New password").fill("winter-garden-letters");
    await change.getByRole("button", { name: "Save password" }).click();
    await expect.poll(() => change.getByRole("alert").textContent()).toMatch(/current password is not right/);
    await change.getByLabel("Current password").fill(PASSWORD);
    await change.getByRole("button", { name: "Save password" }).click();
    await expect.poll(() => laptop.getByRole("dialog").count()).toBe(0);

    // The phone's session ended with the password change: on its next visit it is signed out.
    await phone.reload();
    await expect.poll(() => phone.getByRole("button", { name: "Sign in", exact: true }).count()).toBe(1);
    expect((await phone.request.get("/api/v1/me")).status()).toBe(401);

    await laptop.getByRole("button", { name: email }).click();
    await laptop.getByRole("menuitem", { name: "Sign out everywhere" }).click();
    await expect.poll(() => laptop.getByRole("button", { name: "Sign in", exact: true }).count()).toBe(1);
    const login = await laptop.request.post("/api/v1/auth/login", { data: { email, password: "winter-garden-letters" } });
    expect(login.status()).toBe(200);
  });

  it("adds a passkey to the account and signs in with it, through Chromium's virtual authenticator", async () => {
    const page = await passkeyPage(1280, 860);
    await page.goto("/chat");
    const email = freshEmail();
    await signUpWithPassword(page, email);

    await page.getByRole("button", { name: email }).click();
    await page.getByRole("menuitem", { name: "Passkeys" }).click();
    const passkeys = page.getByRole("dialog", { name: "Passkeys" });
    await passkeys.getByText("You have no passkeys yet.").waitFor();
    await passkeys.getByRole("button", { name: "Add a passkey" }).click();
    await expect.poll(() => passkeys.getByRole("status").textContent()).toMatch(/Passkey added/);
    await expect.poll(() => passkeys.getByRole("listitem").count()).toBe(1);
    expect(await passkeys.getByRole("listitem").innerText()).toMatch(/not used yet/);
    const me = (await (await page.request.get("/api/v1/me")).json()) as { passkeys: unknown[] };
    expect(me.passkeys).toHaveLength(1);
    await passkeys.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);

    // The menu's API keys item opens the keys dialog, for this account.
    await page.getByRole("button", { name: email }).click();
    await page.getByRole("menuitem", { name: "API keys" }).click();
    const keys = page.getByRole("dialog", { name: "API keys" });
    await keys.getByText("No keys yet.").waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);

    await signOut(page, email);
    const dialog = await openAuthDialog(page);
    await dialog.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(() => page.getByRole("button", { name: email }).count()).toBe(1);
    const after = (await (await page.request.get("/api/v1/me")).json()) as { email: string; passkeys: Array<{ last_used_at: string | null }> };
    expect(after.email).toBe(email);
    expect(after.passkeys[0]!.last_used_at).not.toBeNull();

    // A new email, confirmed with the password: the menu shows it and signing in uses it.
    const renamed = freshEmail();
    await page.getByRole("button", { name: email }).click();
    await page.getByRole("menuitem", { name: "Change email" }).click();
    const change = page.getByRole("dialog", { name: "Change your email" });
    await change.getByLabel("Email").fill(renamed);
    await change.getByLabel("Current password").fill(PASSWORD);
    await change.getByRole("button", { name: "Save email" }).click();
    await expect.poll(() => page.getByRole("button", { name: renamed }).count()).toBe(1);
    expect((await page.request.post("/api/v1/auth/login", { data: { email: renamed, password: PASSWORD } })).status()).toBe(200);

    // The account has a password, so its passkey can go; the list and the server agree.
    await page.getByRole("button", { name: renamed }).click();
    await page.getByRole("menuitem", { name: "Passkeys" }).click();
    const list = page.getByRole("dialog", { name: "Passkeys" });
    expect(await list.getByRole("listitem").innerText()).toMatch(/last used/);
    await list.getByRole("button", { name: /^Remove / }).click();
    await list.getByText("You have no passkeys yet.").waitFor();
    expect(((await (await page.request.get("/api/v1/me/passkeys")).json()) as { passkeys: unknown[] }).passkeys).toEqual([]);
  });

  it("creates an account with a passkey alone, keeping the anonymous conversation", async () => {
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "I'll remember the garden." } });
    const page = await passkeyPage(390, 844);
    await page.goto("/chat");
    const box = page.getByLabel("Your message to Rose");
    await box.fill("My garden is full of roses.");
    await box.press("Enter");
    await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);

    const dialog = await openAuthDialog(page);
    await dialog.getByRole("button", { name: "Create an account" }).click();
    await dialog.getByRole("button", { name: "Create an account with a passkey" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Your account" }).count()).toBe(1);
    await expect.poll(() => page.locator(".from-rose .bubble").getByText("I'll remember the garden.").count()).toBe(1);
    const me = (await (await page.request.get("/api/v1/me")).json()) as { email: string | null; has_password: boolean; passkeys: unknown[] };
    expect(me).toMatchObject({ email: null, has_password: false });
    expect(me.passkeys).toHaveLength(1);
    // Its only way in stays: removing the last passkey of an account without a password is refused, and the dialog says why.
    await page.getByRole("button", { name: "Your account" }).click();
    await page.getByRole("menuitem", { name: "Passkeys" }).click();
    const passkeys = page.getByRole("dialog", { name: "Passkeys" });
    await passkeys.getByRole("button", { name: /^Remove / }).click();
    await expect.poll(() => passkeys.getByRole("alert").textContent()).toMatch(/only way to sign in/);
    expect(await passkeys.getByRole("listitem").count()).toBe(1);
    expect(((await (await page.request.get("/api/v1/me/passkeys")).json()) as { passkeys: unknown[] }).passkeys).toHaveLength(1);
  });
});

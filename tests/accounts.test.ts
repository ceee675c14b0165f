import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "./helpers/api-client.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

/**
 * Accounts through the HTTP API, on SQLite and on PostgreSQL: sign-up, sign-in, refresh rotation and
 * reuse, revocation, lockout, the anonymous-to-account upgrade, REQUIRE_AUTHENTICATION, bad tokens.
 */

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_accounts_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

beforeAll(() => admin(`CREATE DATABASE ${database}`));
afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

const PASSWORD = "violet-harbour-lantern";
let emailCounter = 0;
/** A fresh address per use: the PostgreSQL database is shared by the tests of this file. */
const freshEmail = () => `maya.${process.pid}.${Date.now()}.${++emailCounter}@example.com`;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SignedIn {
  user: { id: string; email: string | null; has_password: boolean; passkeys: unknown[] };
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

describe.each([
  ["SQLite", {}],
  ["PostgreSQL", { DATABASE_URL: databaseUrl }],
] as const)("accounts in %s", (_name, storage) => {
  const suite = useSimulatedRose();
  const start = (env: Record<string, string> = {}) =>
    suite.rose({
      OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
      OPENAI_API_KEY: "k",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      RATE_LIMIT_PER_MINUTE: "0",
      AUTH_RATE_LIMIT_PER_MINUTE: "0",
      ...storage,
      ...env,
    });

  async function register(client: ApiClient, email = freshEmail(), password = PASSWORD): Promise<SignedIn> {
    const { status, body } = await client.json<SignedIn>("POST", "/api/v1/auth/register", { email, password });
    expect(status, JSON.stringify(body)).toBe(201);
    return body;
  }

  it("signs up, signs in, refreshes (rotating the refresh token) and signs out, each token answering at once", async () => {
    const { client } = await start();
    const email = freshEmail();
    const signup = await register(client.stranger(), `  ${email.toUpperCase()} `);
    expect(signup).toMatchObject({ user: { email, has_password: true, passkeys: [] }, token_type: "Bearer", expires_in: 900 });

    const api = client.stranger(); // an API client: no cookies, tokens only
    const login = await api.json<SignedIn>("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(signup.user.id);
    const me = await api.json("GET", "/api/v1/me", undefined, bearer(login.body.access_token));
    expect(me).toMatchObject({ status: 200, body: { id: signup.user.id, email, has_password: true } });
    expect(me.body).not.toHaveProperty("password_hash");

    const refreshed = await api.json<SignedIn>("POST", "/api/v1/auth/refresh", { refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(login.body.refresh_token);
    expect((await api.json("GET", "/api/v1/me", undefined, bearer(refreshed.body.access_token))).status).toBe(200);

    // Signing out ends this session: its access token stops working immediately, its refresh token too.
    expect((await api.request("POST", "/api/v1/auth/logout", { refresh_token: refreshed.body.refresh_token })).status).toBe(204);
    const after = await api.json("GET", "/api/v1/me", undefined, bearer(refreshed.body.access_token));
    expect(after).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });
    expect((await api.json("POST", "/api/v1/auth/refresh", { refresh_token: refreshed.body.refresh_token })).status).toBe(401);
    // The sign-up's own session is another one and still works.
    expect((await api.json("GET", "/api/v1/me", undefined, bearer(signup.access_token))).status).toBe(200);
  });

  it("revokes the whole family when a retired refresh token is presented again", async () => {
    const { client } = await start();
    const first = await register(client.stranger());
    const second = await client.stranger().json<SignedIn>("POST", "/api/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    const reuse = await client.stranger().json("POST", "/api/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(reuse).toMatchObject({ status: 401, body: { error: { code: "refresh_token_reused" } } });
    // The thief's copy and the person's current tokens are all dead now.
    expect((await client.stranger().json("POST", "/api/v1/auth/refresh", { refresh_token: second.body.refresh_token })).status).toBe(401);
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(second.body.access_token))).body.error.code).toBe("invalid_token");
  });

  it("signs out everywhere, and a password change ends every other session but the one that made it", async () => {
    const { client } = await start();
    const email = freshEmail();
    const a = await register(client.stranger(), email);
    const b = (await client.stranger().json<SignedIn>("POST", "/api/v1/auth/login", { email, password: PASSWORD })).body;
    const c = (await client.stranger().json<SignedIn>("POST", "/api/v1/auth/login", { email, password: PASSWORD })).body;

    const wrong = await client.json("PATCH", "/api/v1/me", { current_password: "not-my-password", new_password: "a-brand-new-secret" }, bearer(a.access_token));
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: "wrong_current_password" } } });
    const weak = await client.json("PATCH", "/api/v1/me", { current_password: PASSWORD, new_password: "password123" }, bearer(a.access_token));
    expect(weak).toMatchObject({ status: 400, body: { error: { code: "weak_password" } } });
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(b.access_token))).status).toBe(200); // nothing changed

    const changed = await client.json("PATCH", "/api/v1/me", { current_password: PASSWORD, new_password: "a-brand-new-secret" }, bearer(a.access_token));
    expect(changed).toMatchObject({ status: 200, body: { email } });
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(a.access_token))).status).toBe(200);
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(b.access_token))).status).toBe(401);
    expect((await client.json("POST", "/api/v1/auth/refresh", { refresh_token: c.refresh_token })).status).toBe(401);
    expect((await client.stranger().json("POST", "/api/v1/auth/login", { email, password: PASSWORD })).status).toBe(401);
    const d = (await client.stranger().json<SignedIn>("POST", "/api/v1/auth/login", { email, password: "a-brand-new-secret" })).body;

    expect((await client.request("POST", "/api/v1/auth/logout-all", undefined, bearer(d.access_token))).status).toBe(204);
    for (const token of [a.access_token, d.access_token]) expect((await client.json("GET", "/api/v1/me", undefined, bearer(token))).status).toBe(401);
  });

  it("counts wrong current passwords on a password change toward the same lockout, so a stolen session cannot guess it", async () => {
    const { client } = await start();
    const email = freshEmail();
    const signed = await register(client.stranger(), email);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await client.json("PATCH", "/api/v1/me", { current_password: `guess-number-${i}`, new_password: "stolen-session-pick" }, bearer(signed.access_token)))
          .body.error.code,
      );
    expect(codes).toEqual(["wrong_current_password", "wrong_current_password", "wrong_current_password", "wrong_current_password", "too_many_attempts"]);
    const right = await client.json("PATCH", "/api/v1/me", { current_password: PASSWORD, new_password: "stolen-session-pick" }, bearer(signed.access_token));
    expect(right.status).toBe(429);
    expect((await client.stranger().json("POST", "/api/v1/auth/login", { email, password: PASSWORD })).status).toBe(429);
  });

  it("locks an email after five failed sign-ins, answering the same whether or not it has an account, and lets it in once the lock expires", async () => {
    const { client } = await start({ AUTH_LOCKOUT_MINUTES: "0.05" }); // three seconds
    const email = freshEmail();
    await register(client.stranger(), email);
    const unknown = freshEmail();
    const answers: Array<{ status: number; code: string; message: string }> = [];
    for (const address of [email, unknown]) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const { status, body } = await client.stranger().json("POST", "/api/v1/auth/login", { email: address, password: "wrong-password-1" });
        answers.push({ status, code: body.error.code, message: body.error.message });
        if (attempt < 5) expect(status).toBe(401);
      }
    }
    // Known and unknown addresses get identical answers, attempt by attempt.
    expect(answers.slice(0, 5)).toEqual(answers.slice(5));
    expect(answers[0]).toMatchObject({ status: 401, code: "invalid_credentials" });
    expect(answers[4]).toMatchObject({ status: 429, code: "too_many_attempts" });

    const locked = await client.stranger().json("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect(locked).toMatchObject({ status: 429, body: { error: { code: "too_many_attempts" } } });
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);

    await sleep(3500);
    const after = await client.stranger().json("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect(after.status).toBe(200);
  });

  it("slows the source address down on the sign-in routes", async () => {
    const { client } = await start({ AUTH_RATE_LIMIT_PER_MINUTE: "3" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await client.stranger().json("POST", "/api/v1/auth/login", { email: freshEmail(), password: "whatever-1" })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("refuses a sign-up with an email already registered (after the same work), and changes nothing", async () => {
    const { client } = await start();
    const email = freshEmail();
    const first = await register(client.stranger(), email);
    const again = await client.stranger().json("POST", "/api/v1/auth/register", { email: email.toUpperCase(), password: "another-long-password" });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "email_unavailable" } } });
    expect(again.headers.get("set-cookie") ?? "").not.toMatch(/rose_at=\S/);
    expect((await client.stranger().json("POST", "/api/v1/auth/login", { email, password: "another-long-password" })).status).toBe(401);
    const login = await client.stranger().json<SignedIn>("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect(login.body.user.id).toBe(first.user.id);
  });

  it("refuses weak, overlong and malformed credentials with a 400 naming the field", async () => {
    const { client } = await start();
    const cases: Array<[unknown, string]> = [
      [{ email: freshEmail(), password: "short" }, "bad_request"],
      [{ email: freshEmail(), password: "x".repeat(257) }, "bad_request"],
      [{ email: "not-an-email", password: PASSWORD }, "bad_request"],
      [{ email: freshEmail(), password: "1234567890" }, "weak_password"],
      [{ email: freshEmail() }, "bad_request"],
    ];
    for (const [body, code] of cases) {
      const answer = await client.stranger().json("POST", "/api/v1/auth/register", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe(code);
    }
    const tooLong = await client.stranger().json("POST", "/api/v1/auth/login", { email: freshEmail(), password: "y".repeat(10_000) });
    expect(tooLong.status).toBe(400);
  });

  it("keeps an anonymous person's threads and memories when they create an account, and brings them to another device", async () => {
    const { client } = await start();
    const sessionId = await client.startSession();
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I'm Maya and I teach piano." })).status).toBe(200);
    const memory = await client.json("POST", "/api/v1/memories", { text: "Maya teaches piano on Tuesdays." });
    expect(memory.status).toBe(201);

    const email = freshEmail();
    await register(client, email); // the same browser, with its anonymous cookie
    // The browser keeps working, now as the account, through its cookies.
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(200);

    const phone = client.stranger();
    const signedIn = await phone.json<SignedIn>("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect(signedIn.status).toBe(200);
    const history = await phone.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body.messages)).toContain("I teach piano");
    const memories = await phone.json("GET", "/api/v1/memories");
    expect(memories.body.memories.map((m: { text: string }) => m.text)).toContain("Maya teaches piano on Tuesdays.");

    // Signing out leaves the first browser a stranger: its old anonymous cookie no longer speaks for the account.
    expect((await client.request("POST", "/api/v1/auth/logout")).status).toBe(204);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(404);
    expect((await client.json("GET", "/api/v1/memories")).body.memories).toEqual([]);
    expect((await phone.json("GET", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(200);
  });

  it("signing in on a device with its own anonymous history acts as the account, and signing out returns it to its earlier self", async () => {
    const { client } = await start();
    const email = freshEmail();
    const account = await register(client.stranger(), email);
    const accountThread = (await client.stranger().json("POST", "/api/v1/session/start", undefined, bearer(account.access_token))).body.session_id as string;

    const device = client.stranger();
    const anonymousThread = await device.startSession();
    await device.json("POST", "/api/v1/auth/login", { email, password: PASSWORD });
    expect((await device.json("GET", `/api/v1/sessions/${accountThread}/messages`)).status).toBe(200);
    expect((await device.json("GET", `/api/v1/sessions/${anonymousThread}/messages`)).status).toBe(404);
    await device.request("POST", "/api/v1/auth/logout");
    expect((await device.json("GET", `/api/v1/sessions/${anonymousThread}/messages`)).status).toBe(200);
    expect((await device.json("GET", `/api/v1/sessions/${accountThread}/messages`)).status).toBe(404);
  });

  it("answers tampered, foreign, expired and revoked tokens with 401 invalid_token, never as a stranger", async () => {
    const { client } = await start({ ACCESS_TOKEN_MINUTES: "0.02" }); // about a second
    const signed = await register(client);
    const [head, payload, signature] = signed.access_token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), sub: "someone-else" })).toString(
      "base64url",
    );
    const tampered = [
      `${head}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`,
      `${head}.${forgedPayload}.${signature}`,
      `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`,
      "rose_sk_an-api-key-is-not-a-session-token",
      signed.refresh_token,
      "garbage",
    ];
    for (const token of tampered) {
      const answer = await client.stranger().json("GET", "/api/v1/memories", undefined, bearer(token));
      expect(answer, token).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });
      expect(answer.headers.get("set-cookie"), "no anonymous identity is issued").toBeNull();
    }
    // Adding a passkey with a stale token is refused (the app renews and retries), never mistaken for a
    // visitor creating a new passkey account.
    const adding = await client.stranger().json("POST", "/api/v1/auth/passkeys/register/options", undefined, {
      ...bearer(tampered[0]!),
      origin: "http://localhost",
      "sec-fetch-site": "same-origin",
    });
    expect(adding).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });
    // A stale token never stands in the way of signing in again.
    expect((await client.stranger().json("POST", "/api/v1/auth/login", { email: signed.user.email, password: PASSWORD }, bearer("garbage"))).status).toBe(200);

    await sleep(2500);
    expect((await client.stranger().json("GET", "/api/v1/me", undefined, bearer(signed.access_token))).body.error.code).toBe("invalid_token");
    // The browser's cookie too: the expired access cookie is a 401 (the app refreshes), and refresh mends it.
    expect((await client.json("GET", "/api/v1/memories")).status).toBe(401);
    expect((await client.json("POST", "/api/v1/auth/refresh")).status).toBe(200);
    expect((await client.json("GET", "/api/v1/memories")).status).toBe(200);
  });

  it("with REQUIRE_AUTHENTICATION=true, answers only health, sign-up, sign-in and refresh without an account", async () => {
    const { client } = await start({ REQUIRE_AUTHENTICATION: "true" });
    for (const [method, path] of [
      ["POST", "/api/v1/session/start"],
      ["GET", "/api/v1/memories"],
      ["GET", "/api/v1/me"],
      ["POST", "/api/v1/chat"],
    ] as const) {
      const answer = await client.json(method, path);
      expect(answer, path).toMatchObject({ status: 401, body: { error: { code: "authentication_required", details: { accounts_required: true } } } });
    }
    expect(client.cookie).toBe(""); // no anonymous identity was handed out
    expect((await client.json("GET", "/api/v1/health")).status).toBe(200);
    expect((await client.json("POST", "/api/v1/auth/login", { email: freshEmail(), password: PASSWORD })).status).toBe(401);
    const signed = await register(client);
    expect((await client.json("POST", "/api/v1/session/start")).status).toBe(201);
    expect((await client.stranger().json("POST", "/api/v1/session/start", undefined, bearer(signed.access_token))).status).toBe(201);
    expect((await client.json("POST", "/api/v1/auth/refresh")).status).toBe(200);
  });

  it("answers every account route with another person's credentials as 404 or as the caller's own, never theirs", async () => {
    const { client } = await start();
    const maya = await register(client.stranger());
    const sam = await register(client.stranger());
    const mayaThread = (await client.stranger().json("POST", "/api/v1/session/start", undefined, bearer(maya.access_token))).body.session_id as string;
    expect((await client.json("GET", `/api/v1/sessions/${mayaThread}/messages`, undefined, bearer(sam.access_token))).status).toBe(404);
    expect((await client.json("DELETE", "/api/v1/me/passkeys/c29tZW9uZS1lbHNlcy1rZXk", undefined, bearer(sam.access_token))).status).toBe(404);
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(sam.access_token))).body.id).toBe(sam.user.id);
    // Sam's logout-all does not touch Maya.
    await client.request("POST", "/api/v1/auth/logout-all", undefined, bearer(sam.access_token));
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(maya.access_token))).status).toBe(200);
    // Maya's refresh token is no key to Sam's account, whoever presents it.
    const refreshed = await client.stranger().json<SignedIn>("POST", "/api/v1/auth/refresh", { refresh_token: maya.refresh_token }, bearer(sam.access_token));
    expect(refreshed.body.user.id).toBe(maya.user.id);
    // Anonymous callers have no account to show.
    expect((await client.stranger().json("GET", "/api/v1/me")).body.error).toMatchObject({
      code: "authentication_required",
      details: { accounts_required: false },
    });
  });

  it("refuses every account route another site's page sends through the person's browser, and bodies a form could send", async () => {
    const { client, url } = await start();
    const email = freshEmail();
    const signed = await register(client, email);
    const foreign = { origin: "http://evil.example", "sec-fetch-site": "cross-site" };
    const attacks: Array<[string, string, unknown]> = [
      ["POST", "/api/v1/auth/register", { email: freshEmail(), password: PASSWORD }],
      ["POST", "/api/v1/auth/login", { email, password: PASSWORD }], // signing the victim in to the attacker's account
      ["POST", "/api/v1/auth/refresh", {}],
      ["POST", "/api/v1/auth/logout", {}],
      ["POST", "/api/v1/auth/logout-all", {}],
      ["PATCH", "/api/v1/me", { current_password: PASSWORD, new_password: "attacker-chosen-secret" }],
      ["DELETE", "/api/v1/me/passkeys/c29tZQ", undefined],
      ["POST", "/api/v1/auth/passkeys/register/options", {}],
      ["POST", "/api/v1/auth/passkeys/login/options", {}],
    ];
    for (const [method, path, body] of attacks) {
      const answer = await client.json(method, path, body, foreign);
      expect({ path, status: answer.status, code: answer.body.error.code }).toEqual({ path, status: 403, code: "cross_site_request" });
      if (body !== undefined) {
        const form = await client.json(method, path, JSON.stringify(body), { "content-type": "text/plain" });
        expect({ path, status: form.status }).toEqual({ path, status: 415 });
      }
    }
    // Nothing changed: the same session still works and the password is the old one.
    expect((await client.json("GET", "/api/v1/me")).status).toBe(200);
    expect((await client.json("GET", "/api/v1/me", undefined, bearer(signed.access_token))).status).toBe(200);
    expect((await new ApiClient(url).json("POST", "/api/v1/auth/login", { email, password: PASSWORD })).status).toBe(200);
  });

  it("exports the account in the person's archive without secrets, and erases it with everything else", async () => {
    const { client } = await start();
    const email = freshEmail();
    const signed = await register(client, email);
    const archive = await client.json("GET", "/api/v1/me/export");
    expect(archive.status).toBe(200);
    expect(archive.body.data.account).toMatchObject({ id: signed.user.id, email, has_password: true, sign_in_sessions: [{ method: "password" }] });
    const text = JSON.stringify(archive.body);
    for (const secret of ["argon2", signed.refresh_token, signed.access_token]) expect(text).not.toContain(secret);

    const erased = await client.request("DELETE", "/api/v1/me");
    expect(erased.status).toBe(204);
    expect(erased.headers.getSetCookie().join("\n")).toMatch(/rose_at=;.*Path=\/api/);
    expect((await client.stranger().json("GET", "/api/v1/me", undefined, bearer(signed.access_token))).status).toBe(401);
    expect((await client.stranger().json("POST", "/api/v1/auth/refresh", { refresh_token: signed.refresh_token })).status).toBe(401);
    expect((await client.stranger().json("POST", "/api/v1/auth/login", { email, password: PASSWORD })).status).toBe(401);
    // The address is free again.
    expect((await client.stranger().json("POST", "/api/v1/auth/register", { email, password: PASSWORD })).status).toBe(201);
  });

  it("offers passkey ceremonies bound to the page's own origin, refusing unknown and replayed ceremonies", async () => {
    const { client, url } = await start();
    const browser = { origin: url, "sec-fetch-site": "same-origin" };
    const options = await client.json("POST", "/api/v1/auth/passkeys/login/options", undefined, browser);
    expect(options.status).toBe(200);
    expect(options.body.options).toMatchObject({ rpId: "127.0.0.1", challenge: expect.any(String) });
    expect(options.body.options.allowCredentials ?? []).toEqual([]);
    const fake = {
      id: "AAAA",
      rawId: "AAAA",
      type: "public-key",
      response: { clientDataJSON: "e30", authenticatorData: "AA", signature: "AA" },
      clientExtensionResults: {},
    };
    const first = await client.json("POST", "/api/v1/auth/passkeys/login/verify", { ceremony_id: options.body.ceremony_id, response: fake }, browser);
    expect(first.status).toBe(401);
    const replay = await client.json("POST", "/api/v1/auth/passkeys/login/verify", { ceremony_id: options.body.ceremony_id, response: fake }, browser);
    expect(replay).toMatchObject({ status: 400, body: { error: { code: "passkey_failed" } } });
    // Without a page origin (curl, SDKs) and no WEBAUTHN_* settings there is no relying party to offer.
    expect((await client.stranger().json("POST", "/api/v1/auth/passkeys/login/options")).status).toBe(400);
    const signed = await register(client.stranger());
    const adding = await client.json("POST", "/api/v1/auth/passkeys/register/options", undefined, { ...browser, ...bearer(signed.access_token) });
    expect(adding.body.options).toMatchObject({ rp: { id: "127.0.0.1", name: "Rose" }, user: { name: signed.user.email } });
    expect(adding.body.options.authenticatorSelection).toMatchObject({ residentKey: "required" });
  });
});

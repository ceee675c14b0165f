import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { startSimulator, type Simulator } from "./simulator/server.js";

const dirs: Array<{ remove(): void }> = [];
const servers: RunningRose[] = [];
let sim: Simulator | undefined;

async function rose(env: Record<string, string>): Promise<RunningRose> {
  const dir = tempDataDir();
  dirs.push(dir);
  const server = await startRose(env, dir.path);
  servers.push(server);
  return server;
}

const production = {
  ENVIRONMENT: "production",
  JWT_SECRET: "64467bf2fb4eb0ab089712d4804feac67157d11df67b4833d42848f2168005d1",
  CORS_ORIGINS: "https://rose.example",
  OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  OPENAI_API_KEY: "k",
};

afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
});
afterAll(async () => {
  await sim?.close();
  dirs.forEach((d) => d.remove());
});

describe("security headers", () => {
  it("sends a CSP without unsafe-eval (WebAssembly only) and the usual hardening headers; HSTS only in production", async () => {
    const dev = await rose({});
    const headers = (await dev.client.request("GET", "/api/v1/health")).headers;
    const csp = headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    // WebAssembly may be compiled (Silero VAD on the voice page), JavaScript may not be eval'd.
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/'unsafe-eval'/);
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(headers.get("x-powered-by")).toBeNull();
    expect(headers.get("strict-transport-security")).toBeNull();

    const prod = await rose(production);
    expect((await prod.client.request("GET", "/api/v1/health")).headers.get("strict-transport-security")).toMatch(/max-age=31536000/);
  });
});

describe("CORS in production", () => {
  it("answers listed origins and refuses others", async () => {
    const { url } = await rose(production);
    const preflight = (origin: string) =>
      fetch(`${url}/api/v1/chat`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight("https://rose.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://rose.example");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const refused = await preflight("https://evil.example");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await fetch(`${url}/api/v1/health`, { headers: { origin: "https://evil.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("rate limits", () => {
  it("answer 429 with Retry-After once a client exceeds its turns per minute", async () => {
    sim ??= await startSimulator();
    const { client } = await rose({ OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", RATE_LIMIT_PER_MINUTE: "3" });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.json("POST", "/api/v1/chat", { message: `hello ${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await client.json("POST", "/api/v1/chat/stream", { message: "one more" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({ code: "rate_limited", request_id: expect.any(String) });
    // Reads are looser: history and health still answer.
    expect((await client.json("GET", "/api/v1/health")).status).toBe(200);
  });
});

describe("rate limits and X-Forwarded-For (TRUST_PROXY)", () => {
  const spoofed = ["203.0.113.1", "203.0.113.2", "203.0.113.3"];
  /** Cookie-less turns (a new anonymous user each time, so only the per-IP limit can bite), each claiming another client IP. */
  async function turnStatuses(url: string): Promise<number[]> {
    const statuses: number[] = [];
    for (const forwardedFor of spoofed) {
      const response = await fetch(`${url}/api/v1/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: "{}",
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    return statuses;
  }
  const limitedOnThird = (statuses: number[]) => {
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(statuses[2]).toBe(429);
  };

  // The default trusts only a proxy on this host, so the test must reach Rose from an address that is not loopback.
  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

  it.skipIf(!lanAddress)("by default a client not on this host cannot get a fresh bucket per forged X-Forwarded-For", async () => {
    const host = lanAddress!;
    const running = await rose({ RATE_LIMIT_PER_MINUTE: "2" });
    const server = running.rose.app.listen(0, host);
    await once(server, "listening");
    try {
      limitedOnThird(await turnStatuses(`http://${host}:${(server.address() as AddressInfo).port}`));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("TRUST_PROXY=false ignores the header; TRUST_PROXY=1 (one proxy in front) keys the limit by the forwarded client", async () => {
    limitedOnThird(await turnStatuses((await rose({ RATE_LIMIT_PER_MINUTE: "2", TRUST_PROXY: "false" })).url));
    expect(await turnStatuses((await rose({ RATE_LIMIT_PER_MINUTE: "2", TRUST_PROXY: "1" })).url)).not.toContain(429);
  });
});

describe("oversized and malformed requests", () => {
  it("answers 413 JSON for a body over the limit", async () => {
    const { client } = await rose({});
    const response = await client.json("POST", "/api/v1/chat", JSON.stringify({ message: "x".repeat(300_000) }));
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
  });

  it("never leaks internals: an unexpected error is a generic 500 with a request id", async () => {
    const { client, dataDir } = await rose({});
    const malformed = await client.json("GET", "/api/v1/sessions/%E0%A4%A/messages");
    expect(malformed.status).toBeLessThan(500); // a client's mistake is not a server error

    // A real dependency breaks underneath the running service: the sessions table disappears from its SQLite file.
    const db = new Database(join(dataDir, "memory.db"));
    db.exec("DROP TABLE sessions");
    db.close();
    const response = await client.json("POST", "/api/v1/session/start");
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: "internal_error", message: expect.any(String), request_id: expect.any(String) } });
    expect(response.body.error.request_id).not.toBe("");
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/at .*\.[jt]s:\d+|node_modules|stack/i); // no stack trace
    expect(text).not.toMatch(/sessions|sqlite|no such table|INSERT/i); // nor the database's own words
  });
});

describe("metrics", () => {
  it("are only for a scraper with the token when METRICS_TOKEN is set", async () => {
    const { url } = await rose({ METRICS_TOKEN: "scrape-token-0123456789" });
    const anonymous = await fetch(`${url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await anonymous.json()) as { error: { code: string; request_id: string } };
    expect(body.error).toMatchObject({ code: "unauthorized", request_id: expect.any(String) });
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401);
    const scraped = await fetch(`${url}/metrics`, { headers: { authorization: "Bearer scrape-token-0123456789" } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("# TYPE");
  });
});

describe("production start-up", () => {
  it("refuses to start with a weak secret or wildcard CORS and says what to fix", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, ENVIRONMENT: "production", JWT_SECRET: "changeme", CORS_ORIGINS: "*", GROQ_API_KEY: "k", PORT: "0", DATA_DIR: tempDataDir().path },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    const output = result.stdout + result.stderr;
    expect(output).toContain("JWT_SECRET must be set to a random string of at least 32 characters");
    expect(output).toContain("CORS_ORIGINS must list explicit origins in production");
  });
});

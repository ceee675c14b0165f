import { Ajv2020 } from "ajv/dist/2020.js";
import type { Express } from "express";
import { describe, expect, it } from "vitest";
import { createApiKey, openAiClient, openAiTestEnv } from "./helpers/openai-api.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

const harness = useSimulatedRose();

interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) the server mounts, found by walking Express's router stacks (package `router` 2.x). */
function mountedRoutes(app: Express): Array<{ method: string; path: string }> {
  const found: Array<{ method: string; path: string }> = [];
  const paths = (raw: string | string[] | undefined) => (raw === undefined ? [""] : Array.isArray(raw) ? raw : [raw]).map((p) => (p === "/" ? "" : p));
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of paths(layer.route.path))
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== "_all") found.push({ method, path: `${prefix}${path}` });
      } else if (Array.isArray(layer.handle?.stack)) {
        for (const mount of paths(layer.rawPath)) walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return found;
}

/** The web app's catch-all (client-side routes answer index.html): a page, not an API route. */
const WEB_APP_FALLBACK = "/{*path}";

type OpenApi = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>> };

async function fetchDocument(url: string): Promise<OpenApi> {
  const response = await fetch(`${url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApi;
}

/** Checks a response body against the document's schema for that operation and status (or its `default`, for errors). */
function validator(document: OpenApi) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  return (method: string, path: string, status: number, body: unknown, contentType = "application/json") => {
    const match = templates.find((t) => t.pattern.test(path.split("?")[0]!));
    expect(match, `${method} ${path} is documented`).toBeDefined();
    const operation = document.paths[match!.template]![method.toLowerCase()];
    expect(operation, `${method} ${match!.template} is documented`).toBeDefined();
    const response = operation!.responses[String(status)] ?? operation!.responses.default!;
    const schema = response.content?.[contentType]?.schema;
    expect(schema, `${method} ${path} ${status} has a ${contentType} schema`).toBeDefined();
    const validate = ajv.compile(schema!);
    expect(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  };
}

describe("the OpenAPI document", () => {
  it("documents every route the server mounts, and nothing it does not", async () => {
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    const document = await fetchDocument(server.url);
    expect(document.openapi).toBe("3.1.0");
    const documented = new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));

    const mounted = mountedRoutes(server.rose.app).filter((r) => r.path !== WEB_APP_FALLBACK);
    expect(mounted.length).toBeGreaterThan(25);
    const asDocumented = (path: string) => path.replace(/^\/api(?!\/v1)(?=\/)/, "/api/v1").replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const missing = mounted.map((r) => `${r.method} ${asDocumented(r.path)}`).filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
    const mountedSet = new Set(mounted.map((r) => `${r.method} ${asDocumented(r.path)}`));
    expect([...documented].filter((route) => !mountedSet.has(route))).toEqual([]);
    // Both APIs are there, and the alias /api is mounted too (documented once, under /api/v1).
    expect(mounted.some((r) => r.path === "/api/chat")).toBe(true);
    expect(documented.has("post /v1/chat/completions")).toBe(true);
    expect(documented.has("post /api/v1/me/api-keys")).toBe(true);
  });

  it("holds valid JSON Schemas generated from the routes' zod schemas", async () => {
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    const document = await fetchDocument(server.url);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    let schemas = 0;
    const visit = (value: unknown, key?: string) => {
      if (!value || typeof value !== "object") return;
      if (key === "schema") {
        ajv.compile(value);
        schemas++;
        return;
      }
      for (const [k, v] of Object.entries(value)) visit(v, k);
    };
    visit(document.paths);
    expect(schemas).toBeGreaterThan(40);
    // Generated, not hand-written: the refusals the route enforces are in the document.
    const body = document.paths["/v1/chat/completions"]!.post as unknown as {
      requestBody: { content: { "application/json": { schema: { properties: Record<string, { anyOf?: Array<{ maximum?: number }> }> } } } };
    };
    const n = body.requestBody.content["application/json"].schema.properties.n!;
    expect(JSON.stringify(n)).toContain('"maximum":1');
    const keyBody = (
      document.paths["/api/v1/me/api-keys"]!.post as unknown as {
        requestBody: { content: { "application/json": { schema: { required: string[]; properties: { name: { maxLength: number } } } } } };
      }
    ).requestBody.content["application/json"].schema;
    expect(keyBody.required).toEqual(["name"]);
    expect(keyBody.properties.name.maxLength).toBe(100);
  });

  it("describes what the integration calls answer: responses validate against it", async () => {
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm here with you." } });
    const server = await harness.rose(openAiTestEnv(harness.sim.openaiBaseUrl));
    const check = validator(await fetchDocument(server.url));
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await server.client.json(method, path, body);
      check(method, path, answer.status, answer.body);
      return answer;
    };

    await call("GET", "/api/v1/health");
    const session = await call("POST", "/api/v1/session/start");
    const sessionId = session.body.session_id as string;
    await call("POST", "/api/v1/chat", { session_id: sessionId, message: "Hello Rose" });
    await call("GET", `/api/v1/sessions/${sessionId}/messages`);
    await call("GET", "/api/v1/sessions");
    await call("GET", "/api/v1/characters");
    await call("GET", "/api/v1/companion");
    await call("PUT", "/api/v1/companion/settings", { call_me: "Ana" });
    await call("PATCH", `/api/v1/sessions/${sessionId}`, { title: "By the sea" });
    await call("POST", "/api/v1/memories", { text: "The user loves the sea." });
    await call("GET", "/api/v1/memories");
    const memories = await call("GET", "/api/v1/memories?query=sea&episodes=true");
    const memoryId = (memories.body.memories as Array<{ id: string }>)[0]!.id;
    await call("PATCH", `/api/v1/memories/${memoryId}`, { text: "The user loves the sea at dawn." });
    await call("GET", `/api/v1/memories/${memoryId}/history`);
    await call("POST", "/api/v1/chat", { message: "" }); // a 400, in Rose's error shape
    await call("GET", `/api/v1/sessions/${crypto.randomUUID()}/messages`); // a 404
    const key = await call("POST", "/api/v1/me/api-keys", { name: "validated" });
    await call("GET", "/api/v1/me/api-keys");

    const bearer = { authorization: `Bearer ${key.body.secret as string}` };
    const v1 = async (method: string, path: string, body?: unknown, headers: Record<string, string> = bearer) => {
      const answer = await server.client.stranger().json(method, path, body, headers);
      check(method, path, answer.status, answer.body);
      return answer;
    };
    await v1("GET", "/v1/models");
    await v1("POST", "/v1/chat/completions", { model: "rose", messages: [{ role: "user", content: "Hi" }] });
    await v1("POST", "/v1/chat/completions", { model: "nobody", messages: [{ role: "user", content: "Hi" }] }); // 404, OpenAI's shape
    await v1("GET", "/v1/models", undefined, {}); // 401

    // Every chunk of a stream matches the documented chunk schema.
    const stream = await openAiClient(server, (await createApiKey(server.client)).secret).chat.completions.create({
      model: "rose",
      messages: [{ role: "user", content: "Stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    for await (const chunk of stream) {
      check("POST", "/v1/chat/completions", 200, chunk, "text/event-stream");
      chunks++;
    }
    expect(chunks).toBeGreaterThan(2);
  });
});

import Database from "better-sqlite3";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, parseSse } from "./helpers/api-client.js";
import { spokenWav } from "./helpers/audio.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * Several hundred malformed requests against a real running Rose (the simulator as model): wrong types
 * in every field, huge and odd strings, invalid UTF-8, wrong content types, odd bodies, prototype keys,
 * bad ids in paths, bad query strings, bad multipart, bad Content-Length, bad cookies, bad Range headers.
 * Every answer must be a 4xx with the JSON error shape (or a 2xx where the input is in fact fine), never a
 * 5xx; and a victim's sessions and memories must be exactly as before.
 */

let sim: Simulator;
let rose: RunningRose;
const dir = tempDataDir("rose-bad-input-");
const wav = spokenWav("Hello Rose.");

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** node:http, not fetch: paths, headers and bodies go out exactly as written (no normalising of `..`, no re-encoding). */
function send(probe: Probe): Promise<Answer> {
  const url = new URL(rose.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: probe.method, path: probe.path, headers: probe.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(probe.body);
  });
}

/** A raw request over a socket, for what node:http refuses to send (a Content-Length that lies). */
function sendRaw(raw: Buffer | string): Promise<string> {
  const url = new URL(rose.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.end(raw); // half-close: the server sees the end of what we send and still answers
  });
}

const json = (body: unknown) => JSON.stringify(body);
const JSON_TYPE = { "content-type": "application/json" };
const uuid = "3f0e9a8e-2b1c-4d5e-8f90-123456789abc";

/** Values of every wrong kind for a field. */
const WRONG_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  "",
  " ",
  "x".repeat(100_000),
  [],
  ["a"],
  {},
  { a: 1 },
  { __proto__: { polluted: true } },
  "\u0000",
  "\ud800",
  "\udfff",
  "a\u0000b",
  "\u202e\u2066evil",
  "👩‍👩‍👧‍👦".repeat(500),
  "../../etc/passwd",
  "%00",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "Europe/../../etc",
  "9999-99-99T99:99:99Z",
  uuid.toUpperCase(),
];

/** A body with one field replaced by each wrong value, as JSON text (so `__proto__` keys survive as written). */
function withField(base: Record<string, unknown>, field: string): string[] {
  return WRONG_VALUES.map((value) => {
    const rest = json({ ...base, [field]: undefined }).slice(1, -1);
    const encoded =
      value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype
        ? '{"__proto__":{"polluted":true}}'
        : json(value);
    return `{${rest ? `${rest},` : ""}${json(field)}:${encoded}}`;
  });
}

const ODD_BODIES: Array<string | Buffer> = [
  "",
  "null",
  "0",
  "-1",
  "1e309",
  '"text"',
  "[]",
  "[1,2,3]",
  '[{"message":"hi"}]',
  "{",
  "}",
  '{"message":}',
  '{"message":"unterminated',
  "{'message':'single quotes'}",
  '{"message":"hi",}',
  "\u0000",
  '\ufeff{"message":"with a BOM"}',
  Buffer.from([0x7b, 0x22, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), // {"message":"<invalid UTF-8>"}
  Buffer.from([0xff, 0xfe, 0xfd]),
  '{"__proto__":{"isAdmin":true},"message":"hi"}',
  '{"constructor":{"prototype":{"isAdmin":true}},"message":"hi"}',
  '{"message":"a","message":"b"}',
  `{"message":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
  `{"a":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`,
  json({ message: "x".repeat(300_000) }),
];

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "application/json; charset=utf-16",
  "application/json; charset=latin-1",
  "application/json;;;",
  "application/xml",
  "*/*",
  "",
  "\u00e9t\u00e9",
];

const BAD_IDS = [
  "not-a-uuid",
  "x".repeat(5000),
  "%00",
  "..%2f..%2fmemory.db",
  "..%2F..%2F..%2Fetc%2Fpasswd",
  "%2e%2e",
  "%E0%A4%A",
  "%ff%fe",
  "%ED%A0%80",
  encodeURIComponent("👩‍👩‍👧‍👦"),
  "00000000-0000-0000-0000-000000000000",
  uuid,
  `${uuid}%00`,
  `${uuid}.mp3`,
  "null",
  "undefined",
  "__proto__",
  "constructor",
];

const BAD_QUERIES = [
  "limit=1e309",
  "limit=-1",
  "limit=0",
  "limit=101",
  "limit=abc",
  "limit=1.5",
  "limit=",
  "limit[]=1",
  "limit=1&limit=2",
  "limit[$gt]=1",
  "offset=1e20",
  "offset=-5",
  "offset=NaN",
  "query[]=a",
  "query=a&query=b",
  "query[a]=b",
  `query=${"x".repeat(3000)}`,
  "query=%00",
  "query=%ff",
  "query=%ED%A0%80",
  "query=%",
  "__proto__[polluted]=1",
  "constructor[prototype][polluted]=1",
  "&&&==&",
];

const BAD_RANGES = [
  "bytes=abc",
  "bytes=5-1",
  "bytes=-0",
  "bytes=0-0,1-1,2-2",
  "bytes=999999999-",
  "items=0-1",
  "bytes=",
  "bytes=0-99999999999999999999999",
  "bytes=--1",
  `bytes=${"0-1,".repeat(2000)}0-1`,
  "bytes=0-",
  "bytes=-1",
  "\u00ff",
];

const BAD_COOKIES = [
  "rose_uid=garbage",
  "rose_uid=s:bad.sig",
  "rose_uid=s%3Anot-a-uuid.sig",
  "rose_uid=%ff",
  "rose_uid=%",
  `rose_uid=${"a".repeat(4000)}`,
  "rose_uid=1; rose_uid=2",
  "rose_uid",
  "=",
  ";;;",
  "rose_uid=s%3A%00.x",
  "rose_uid=j%3A%7B%7D",
];

/** A multipart body written by hand, so its faults are exactly the ones intended. */
function multipart(parts: Array<{ name: string; filename?: string; data: string | Buffer }>, { boundary = "fuzzboundary", truncate = false } = {}): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ""}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.filename !== undefined ? "Content-Type: audio/wav\r\n" : ""}\r\n`),
      Buffer.from(part.data),
      Buffer.from("\r\n"),
    );
  }
  if (!truncate) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  return truncate ? body.subarray(0, Math.max(10, body.length - 7)) : body;
}

function multipartProbes(path: string, victimSession: string): Probe[] {
  const type = (boundary = "fuzzboundary") => ({ "content-type": `multipart/form-data; boundary=${boundary}` });
  const audio = { name: "audio", filename: "a.wav", data: wav };
  return [
    { method: "POST", path, headers: type(), body: multipart([{ name: "session_id", data: "x" }]) },
    { method: "POST", path, headers: type(), body: multipart([audio, { ...audio, filename: "b.wav" }]) },
    { method: "POST", path, headers: type(), body: multipart([{ ...audio, name: "file" }]) },
    { method: "POST", path, headers: type(), body: multipart([audio, { name: "session_id", data: "x".repeat(10_000) }]) },
    { method: "POST", path, headers: type(), body: multipart([audio, { name: "session_id", data: "not-a-uuid" }]) },
    { method: "POST", path, headers: type(), body: multipart([audio, { name: "session_id", data: victimSession }]) },
    { method: "POST", path, headers: type(), body: multipart([audio, { name: "timezone", data: "Mars/Olympus" }]) },
    { method: "POST", path, headers: type(), body: multipart([{ ...audio, data: Buffer.alloc(0) }]) },
    { method: "POST", path, headers: type(), body: multipart([{ ...audio, data: "not audio at all" }]) },
    { method: "POST", path, headers: type(), body: multipart([audio], { truncate: true }) },
    { method: "POST", path, headers: type("other"), body: multipart([audio]) },
    { method: "POST", path, headers: type(""), body: multipart([audio]) },
    { method: "POST", path, headers: { "content-type": "multipart/form-data" }, body: multipart([audio]) },
    { method: "POST", path, headers: type(), body: "garbage" },
    { method: "POST", path, headers: type(), body: "" },
    { method: "POST", path, headers: type(), body: multipart(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: "x" }))) },
    { method: "POST", path, headers: type(), body: multipart([{ ...audio, filename: "../../../etc/passwd\u0000.wav" }]) },
    { method: "POST", path, headers: type(), body: multipart([{ name: "__proto__", data: "x" }, audio]) },
    { method: "POST", path, headers: type(), body: multipart([{ name: "\u0000", data: "x" }, audio]) },
  ];
}

function probes(victimSession: string, victimMemory: string, ownAudio: string): Probe[] {
  const list: Probe[] = [];
  const chatBase = { message: "Hello Rose" };
  for (const path of ["/api/v1/chat", "/api/v1/chat/stream"]) {
    for (const field of ["message", "session_id", "timezone"])
      for (const body of withField(chatBase, field)) list.push({ method: "POST", path, headers: JSON_TYPE, body });
    for (const body of ODD_BODIES) list.push({ method: "POST", path, headers: JSON_TYPE, body });
    for (const type of CONTENT_TYPES) list.push({ method: "POST", path, headers: type ? { "content-type": type } : {}, body: json(chatBase) });
  }
  const memoryBase = { text: "The user likes tea." };
  for (const field of ["text", "type", "importance", "metadata", "created_at", "source_session_id", "memories"]) {
    for (const body of withField(memoryBase, field)) list.push({ method: "POST", path: "/api/v1/memories", headers: JSON_TYPE, body });
  }
  for (const body of ODD_BODIES) list.push({ method: "POST", path: "/api/v1/memories", headers: JSON_TYPE, body });
  const deep = [
    `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`,
    `${"[".repeat(5000)}${"]".repeat(5000)}`,
    `${'{"a":[{"b":'.repeat(2500)}1${"}]}".repeat(2500)}`,
  ];
  // Each with a text of its own: a duplicate of a stored memory would be answered before its metadata is looked at.
  for (const [i, metadata] of deep.entries()) {
    list.push({ method: "POST", path: "/api/v1/memories", headers: JSON_TYPE, body: `{"text":"The user owns ${i + 1} bicycles.","metadata":${metadata}}` });
    list.push({
      method: "POST",
      path: "/api/v1/memories",
      headers: JSON_TYPE,
      body: `{"memories":[{"text":"The user owns ${i + 1} kayaks.","metadata":${metadata}}]}`,
    });
    list.push({
      method: "POST",
      path: "/api/v1/memories",
      headers: { "content-type": "application/x-ndjson" },
      body: `{"text":"The user owns ${i + 1} pianos."}\n{"text":"The user owns ${i + 1} violins.","metadata":${metadata}}`,
    });
    list.push({ method: "POST", path: "/api/v1/chat", headers: JSON_TYPE, body: `{"message":"hi","metadata":${metadata}}` });
  }
  for (const body of ODD_BODIES) list.push({ method: "POST", path: "/api/v1/memories", headers: { "content-type": "application/x-ndjson" }, body });
  list.push({ method: "POST", path: "/api/v1/memories", headers: JSON_TYPE, body: json({ memories: Array.from({ length: 1001 }, () => memoryBase) }) });
  list.push({
    method: "POST",
    path: "/api/v1/memories",
    headers: { "content-type": "application/x-ndjson" },
    body: Array.from({ length: 1001 }, () => json(memoryBase)).join("\n"),
  });
  for (const body of ODD_BODIES.slice(0, 12)) list.push({ method: "POST", path: "/api/v1/session/start", headers: JSON_TYPE, body });
  for (const type of CONTENT_TYPES) list.push({ method: "POST", path: "/api/v1/session/start", headers: type ? { "content-type": type } : {}, body: "{}" });

  for (const id of BAD_IDS) {
    list.push({ method: "GET", path: `/api/v1/sessions/${id}/messages` });
    list.push({ method: "DELETE", path: `/api/v1/sessions/${id}/messages` });
    list.push({ method: "DELETE", path: `/api/v1/sessions/${id}` });
    list.push({ method: "GET", path: `/api/v1/memories/${id}` });
    list.push({ method: "DELETE", path: `/api/v1/memories/${id}` });
    list.push({ method: "GET", path: `/api/v1/voice/audio/${id}` });
    list.push({ method: "POST", path: "/api/v1/chat", headers: JSON_TYPE, body: json({ session_id: id, message: "hi" }) });
  }
  // The victim's own ids, asked for by someone else.
  list.push({ method: "GET", path: `/api/v1/sessions/${victimSession}/messages` });
  list.push({ method: "DELETE", path: `/api/v1/sessions/${victimSession}` });
  list.push({ method: "DELETE", path: `/api/v1/sessions/${victimSession}/messages` });
  list.push({ method: "DELETE", path: `/api/v1/memories/${victimMemory}` });
  list.push({ method: "GET", path: `/api/v1/memories/${victimMemory}` });
  list.push({ method: "POST", path: "/api/v1/chat", headers: JSON_TYPE, body: json({ session_id: victimSession, message: "hi" }) });

  for (const query of BAD_QUERIES) list.push({ method: "GET", path: `/api/v1/memories?${query}` });
  for (const query of BAD_QUERIES.slice(0, 6)) list.push({ method: "GET", path: `/api/v1/health?${query}` });
  for (const path of ["/api/v1/voice/process", "/api/v1/voice/stream"]) {
    list.push(...multipartProbes(path, victimSession));
    list.push({ method: "POST", path, headers: JSON_TYPE, body: json({ audio: "UklGRg==" }) });
    list.push({ method: "POST", path });
  }
  for (const range of BAD_RANGES) list.push({ method: "GET", path: ownAudio, headers: { range } });
  for (const cookie of BAD_COOKIES) {
    list.push({ method: "GET", path: "/api/v1/memories", headers: { cookie } });
    list.push({ method: "POST", path: "/api/v1/session/start", headers: { cookie } });
  }
  for (const method of ["PUT", "PATCH", "DELETE", "POST", "PROPFIND"])
    for (const path of ["/api/v1/chat", "/api/v1/health", "/api/v1/memories/export", "/api/v1/session/start", "/metrics", "/"]) list.push({ method, path });
  for (const path of [
    "/api//chat",
    "/api/v1/chat/",
    "/API/V1/HEALTH",
    "/api/v1/%00",
    "/api/v1/..%2f..%2fetc%2fpasswd",
    "/api/v1/sessions/",
    "/api/v1/sessions//messages",
    "/%ff",
    "/assets/..%2f..%2fpackage.json",
    "/..%2fpackage.json",
  ]) {
    list.push({ method: "GET", path });
  }
  const oddHeaders: Array<Record<string, string>> = [
    { "x-timezone": "\u00ff" },
    { "x-timezone": "x".repeat(8000) },
    { "x-request-id": "\t<script>" },
    { origin: "http://[::1" },
    { "sec-fetch-site": "\u00ff" },
    { accept: "x/y;q=abc" },
    { "content-encoding": "gzip" },
    { "content-encoding": "br" },
    { "content-encoding": "zstd" },
  ];
  for (const headers of oddHeaders) {
    list.push({ method: "POST", path: "/api/v1/chat", headers: { ...JSON_TYPE, ...headers }, body: json({ message: "hi" }) });
  }
  return list;
}

function expectClientSafe(probe: Probe, answer: Answer): void {
  const label = `${probe.method} ${probe.path.slice(0, 120)} ${JSON.stringify(probe.headers ?? {}).slice(0, 120)} ${String(probe.body ?? "").slice(0, 80)}`;
  expect(answer.status, label).toBeLessThan(500);
  if (answer.status >= 400 && probe.method !== "HEAD") {
    expect(answer.headers["content-type"], label).toMatch(/^application\/json/);
    const body = JSON.parse(answer.text) as { error: { code: string; message: string; request_id: string } };
    expect(body.error, label).toEqual({
      code: expect.any(String),
      message: expect.any(String),
      request_id: expect.any(String),
      ...(body.error && "details" in body.error ? { details: expect.anything() } : {}),
    });
    expect(body.error.request_id, label).not.toBe("");
  }
  if (String(answer.headers["content-type"]).startsWith("text/event-stream")) {
    // A stream that opened and then failed on our side is a 500 in disguise.
    for (const event of parseSse(answer.text)) if (event.event === "error") expect((event.data as { code: string }).code, label).not.toBe("internal_error");
  }
}

/** Memory writes still queued for a user in the outbox. */
function queuedWrites(userId: string): number {
  const db = new Database(join(rose.dataDir, "memory.db"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM memory_outbox WHERE user_id = ?").get(userId) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The victim's data, read straight from Rose's databases and through the API as they would see it. */
async function victimState(client: ApiClient, sessionId: string, userId: string) {
  const db = new Database(join(rose.dataDir, "long_term_memory.db"), { readonly: true });
  const memories = db.prepare("SELECT id, text, type, importance, metadata, updated_at FROM memories WHERE user_id = ? ORDER BY id").all(userId);
  db.close();
  const sessionsDb = new Database(join(rose.dataDir, "memory.db"), { readonly: true });
  const sessions = sessionsDb.prepare("SELECT * FROM sessions WHERE user_id = ? ORDER BY id").all(userId);
  sessionsDb.close();
  return { memories, sessions, history: (await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body };
}

beforeAll(async () => {
  sim = await startSimulator();
  rose = await startRose(
    {
      OPENAI_BASE_URL: sim.openaiBaseUrl,
      OPENAI_API_KEY: "sim-key",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      TTS_PROVIDER: "espeak",
      RATE_LIMIT_PER_MINUTE: "0",
    },
    dir.path,
  );
});
afterAll(async () => {
  await rose?.stop();
  await sim?.close();
  dir.remove();
});

describe("bad input against every route", () => {
  it("never answers 5xx, always the JSON error shape, and changes nothing of another person's", { timeout: 300_000 }, async () => {
    const victim = rose.client.stranger();
    const victimSession = await victim.startSession();
    expect((await victim.json("POST", "/api/v1/chat", { session_id: victimSession, message: "My cat is called Miso." })).status).toBe(200);
    const memory = await victim.json("POST", "/api/v1/memories", { text: "The user's cat is called Miso.", metadata: { from: "test" } });
    expect(memory.status).toBe(201);
    const victimUser = /rose_uid=s%3A([0-9a-f-]{36})\./.exec(victim.cookie)![1]!;
    await expect.poll(async () => (await victim.json("GET", "/api/v1/memories")).body.total, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);

    // The fuzzer is someone else, with a spoken reply of their own to ask byte ranges of.
    const fuzzer = rose.client.stranger();
    const form = new FormData();
    form.append("audio", new Blob([wav], { type: "audio/wav" }), "hello.wav");
    const spoken = await fuzzer.json("POST", "/api/v1/voice/process", form);
    expect(spoken.status).toBe(200);
    const ownAudio = spoken.body.audio_url as string;
    expect(ownAudio).toMatch(/^\/api\/v1\/voice\/audio\//);

    // The victim's turn queued a memory write: once it is done, their state is fixed from here on.
    await expect.poll(() => queuedWrites(victimUser), { timeout: 30_000 }).toBe(0);
    const before = await victimState(victim, victimSession, victimUser);

    const all = probes(victimSession, memory.body.memories[0].id, ownAudio);
    expect(all.length).toBeGreaterThan(500);
    const refused: Probe[] = [];
    const statuses = new Map<number, number>();
    for (const probe of all) {
      const answer = await send({ ...probe, headers: { cookie: fuzzer.cookie, ...(probe.headers ?? {}) } });
      expectClientSafe(probe, answer);
      if (answer.status >= 400) refused.push(probe);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }

    // Every request refused above again, now with the victim's own cookie (except those naming the
    // victim's ids, which are theirs to use): refused again, and nothing of theirs changes.
    const mentionsVictim = (p: Probe) => [p.path, String(p.body ?? "")].some((t) => t.includes(victimSession) || t.includes(memory.body.memories[0].id));
    const replayed = refused.filter((p) => !mentionsVictim(p) && !(p.headers && "cookie" in p.headers));
    expect(replayed.length).toBeGreaterThan(300);
    for (const probe of replayed) {
      const answer = await send({ ...probe, headers: { ...(probe.headers ?? {}), cookie: victim.cookie } });
      expectClientSafe(probe, answer);
      expect(answer.status, `${probe.method} ${probe.path.slice(0, 100)}`).toBeGreaterThanOrEqual(400);
    }

    // Content-Length that lies: more than is sent, and not a number. Node's parser or Rose answers; never a 5xx.
    for (const raw of [
      `POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nCookie: ${fuzzer.cookie}\r\n\r\n{"message":"hi"}`,
      `POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{"message":"hi"}`,
      `POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{"message":"hi"}`,
      `POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"message":"hi"}`,
      `POST /api/v1/memories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    ]) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(await sendRaw(raw))?.[1] ?? "0");
      expect(status, raw).toBeLessThan(500);
    }

    expect(await victimState(victim, victimSession, victimUser)).toEqual(before);
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { FakeCollection, QdrantRequestError } from "./qdrant-collection.js";
import * as schemas from "./qdrant-schemas.js";

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /collections/rose_memories/points/scroll. */
  path: string;
  /** Query-string parameters (where the client puts `wait`, `timeout`, `consistency`). */
  query: Record<string, string>;
  body: unknown;
}

export interface QdrantFake {
  url: string;
  /** Every request received, valid or not, in arrival order. */
  requests: RecordedRequest[];
  /** Delays every answer (to exercise timeouts). */
  setLatency(ms: number): void;
  /**
   * Every upsert after the first `after` answers 500; with `applied` the points are stored first (a reply
   * lost after the write). `null` heals it.
   */
  failUpserts(failure: { after?: number; applied?: boolean } | null): void;
  close(): Promise<void>;
}

const FAKE_VERSION = "1.17.0";

type Route = { collection?: string; action: string };

/** Maps method + path to an action; the collection name is the one path parameter this subset has. */
function route(method: string, path: string): Route | null {
  if (method === "GET" && path === "/") return { action: "root" };
  if (method === "GET" && path === "/collections") return { action: "listCollections" };
  const m = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return null;
  const collection = decodeURIComponent(m[1]!);
  const rest = m[2] ?? "";
  const actions: Record<string, string> = {
    "PUT ": "createCollection",
    "GET ": "getCollection",
    "DELETE ": "deleteCollection",
    "GET /exists": "collectionExists",
    "PUT /index": "createIndex",
    "PUT /points": "upsert",
    "POST /points": "retrieve",
    "POST /points/search": "search",
    "POST /points/query": "query",
    "POST /points/scroll": "scroll",
    "POST /points/count": "count",
    "POST /points/delete": "delete",
  };
  const action = actions[`${method} ${rest}`];
  return action ? { collection, action } : null;
}

/** Qdrant answers a body it cannot deserialize with 400 "Format error in JSON body: ...". */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new QdrantRequestError(400, `Format error in JSON body: ${issues}`);
  }
  return result.data;
}

function updateResult(operationId: number, query: Record<string, string>) {
  return { operation_id: operationId, status: query.wait === "true" ? "completed" : "acknowledged" };
}

/**
 * A loopback stand-in for the subset of Qdrant's REST API that QdrantMemoryStore uses. It validates request
 * bodies against Qdrant's schemas, really stores and filters points, and records every request so tests can
 * check what the adapter sent (and that every read carried the user filter).
 */
export async function startQdrantFake(): Promise<QdrantFake> {
  const collections = new Map<string, FakeCollection>();
  const requests: RecordedRequest[] = [];
  let latencyMs = 0;
  let upsertFailure: { after: number; applied: boolean } | null = null;
  let upserts = 0;

  const existing = (name: string) => {
    const found = collections.get(name);
    if (!found) throw new QdrantRequestError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return found;
  };

  function handle(action: string, name: string, body: unknown, query: Record<string, string>): unknown {
    switch (action) {
      case "root":
        return undefined; // answered specially: Qdrant's root has no envelope
      case "listCollections":
        return { collections: [...collections.keys()].map((n) => ({ name: n })) };
      case "collectionExists":
        return { exists: collections.has(name) };
      case "getCollection":
        return existing(name).info();
      case "createCollection": {
        const request = parse(schemas.createCollection, body);
        if (collections.has(name)) throw new QdrantRequestError(409, `Wrong input: Collection \`${name}\` already exists!`);
        collections.set(name, new FakeCollection(name, request.vectors.size, request.vectors.distance));
        return true;
      }
      case "deleteCollection":
        return collections.delete(name);
      case "createIndex": {
        const request = parse(schemas.createFieldIndex, body);
        return updateResult(existing(name).createIndex(request.field_name, request.field_schema), query);
      }
      case "upsert": {
        const request = parse(schemas.upsertPoints, body);
        const failing = upsertFailure !== null && upserts++ >= upsertFailure.after;
        if (!failing) return updateResult(existing(name).upsert(request.points), query);
        if (upsertFailure!.applied) existing(name).upsert(request.points);
        throw new QdrantRequestError(500, "Service internal error: injected upsert failure");
      }
      case "retrieve": {
        const request = parse(schemas.retrievePoints, body);
        return existing(name).retrieve(request.ids, request.with_payload, request.with_vector);
      }
      case "search":
        return existing(name).search(parse(schemas.searchPoints, body));
      case "query": {
        const { query: vectorQuery, limit, ...rest } = parse(schemas.queryPoints, body);
        const vector = Array.isArray(vectorQuery) ? vectorQuery : vectorQuery.nearest;
        return { points: existing(name).search({ ...rest, vector, limit: limit ?? 10 }) };
      }
      case "scroll":
        return existing(name).scroll(parse(schemas.scrollPoints, body ?? {}));
      case "count":
        return { count: existing(name).count(parse(schemas.countPoints, body ?? {}).filter) };
      case "delete": {
        const selector = parse(schemas.deletePoints, body);
        const collection = existing(name);
        return updateResult("points" in selector ? collection.deleteIds(selector.points) : collection.deleteMatching(selector.filter), query);
      }
      default:
        throw new QdrantRequestError(404, `Not found: ${action}`);
    }
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const seconds = () => (performance.now() - started) / 1000;

    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      requests.push({ method: req.method ?? "", path: url.pathname, query, body: raw });
      return send(400, { status: { error: "Format error in JSON body: invalid JSON" }, time: seconds() });
    }
    requests.push({ method: req.method ?? "", path: url.pathname, query, body });
    if (latencyMs > 0) await sleep(latencyMs);

    const matched = route(req.method ?? "", url.pathname);
    if (!matched) return send(404, { status: { error: `Not found: ${req.method} ${url.pathname} is not served by this fake` }, time: seconds() });
    if (matched.action === "root") return send(200, { title: "qdrant - vector search engine (fake)", version: FAKE_VERSION });
    try {
      const result = handle(matched.action, matched.collection ?? "", body, query);
      send(200, { result, status: "ok", time: seconds() });
    } catch (error) {
      if (error instanceof QdrantRequestError) return send(error.status, { status: { error: error.message }, time: seconds() });
      send(500, { status: { error: `Service internal error: ${(error as Error).message}` }, time: seconds() });
    }
  }

  const server = createServer((req, res) => {
    respond(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setLatency(ms) {
      latencyMs = ms;
    },
    failUpserts(failure) {
      upsertFailure = failure ? { after: failure.after ?? 0, applied: failure.applied ?? false } : null;
      upserts = 0;
    },
    async close() {
      // The client keeps sockets alive; without dropping them close() would wait for their idle timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, handleControl } from "./control.js";
import { deepgramLive } from "./deepgram-live.js";
import { openAiRealtime } from "./openai-realtime.js";
import { errorBody } from "./errors.js";
import { type Exchange, sendError } from "./exchange.js";
import { type RecordedRequest, type RequestFilter, RequestLog } from "./recorder.js";
import { credentialProblem, resolveRoute } from "./routes.js";
import { RuleBook, type SimRule } from "./rules.js";

/**
 * A loopback stand-in for OpenAI (Realtime transcription included), Groq, ElevenLabs and Deepgram (live recognition) that the real SDK clients talk to through
 * their base-URL settings: scripted replies, latency, injected failures, and a log of every request.
 *
 *   const sim = await startSimulator();
 *   new ChatOpenAI({ apiKey: "x", configuration: { baseURL: sim.openaiBaseUrl } });
 *   new ChatGroq({ apiKey: "x", baseUrl: sim.groqBaseUrl });
 *   new ElevenLabsClient({ apiKey: "x", baseUrl: sim.elevenlabsBaseUrl });
 */

export type { Endpoint, Provider, SimRule, SimMatch, SimReply, SimLatency, SimFailure, RecordedEndpoint, MetaEndpoint } from "./rules.js";
export type { RecordedRequest, RecordedMessage, RecordedFile } from "./recorder.js";

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/v1`: OpenAI SDK `baseURL`, ChatOpenAI `configuration.baseURL`, OPENAI_BASE_URL (the Realtime socket is `/v1/realtime` there). */
  openaiBaseUrl: string;
  /** `${url}`: groq-sdk `baseURL`, ChatGroq `baseUrl`, GROQ_BASE_URL (groq-sdk adds /openai/v1 to every path). */
  groqBaseUrl: string;
  /** `${url}`: ElevenLabsClient `baseUrl` (or `environment`), ELEVENLABS_BASE_URL (the SDK adds /v1/...). */
  elevenlabsBaseUrl: string;
  /** `ws://host:port`: Deepgram's live recognition (the SDK adds /v1/listen), DEEPGRAM_BASE_URL. */
  deepgramBaseUrl: string;
  /** Adds a rule; the newest matching rule wins. Throws RuleError on a malformed rule. */
  script(rule: SimRule): void;
  /** Removes all rules and recorded requests. */
  reset(): void;
  /** Recorded requests, oldest first. Entries are live: status and finishedAt fill in as exchanges end. */
  requests(filter?: RequestFilter): RecordedRequest[];
  /** Stops listening and destroys every open socket, hanging requests included. Safe to call twice. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    // A client that vanishes mid-upload must not leave the exchange waiting forever.
    req.on("close", () => {
      if (!req.complete) reject(Object.assign(new Error("client closed the request before sending its body"), { name: "AbortError" }));
    });
  });
}

/** A first look at the body for the log; handlers replace it with their own parse. */
function roughBody(body: Buffer): unknown {
  if (body.length === 0) return null;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return `<${body.length} bytes>`;
  }
}

export async function startSimulator(opts: { port?: number; host?: string } = {}): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  const rules = new RuleBook();
  const log = new RequestLog();
  const reset = () => {
    rules.clear();
    log.clear();
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator");
    const method = req.method ?? "GET";

    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      return handleControl(req, res, url, await readBody(req), { rules, log, reset });
    }

    const route = resolveRoute(method, url.pathname, req.headers);
    const query = Object.fromEntries(url.searchParams);
    const record = log.add({
      endpoint: route.endpoint,
      provider: route.provider,
      method,
      path: url.pathname,
      ...(Object.keys(query).length > 0 ? { query } : {}),
      body: null,
      at: Date.now(),
      status: 0,
    });

    // One signal for "stop working on this": the client left, the socket was dropped, or close() ran.
    const abort = new AbortController();
    res.on("close", () => {
      record.finishedAt = Date.now();
      if (!res.writableFinished) record.aborted = true;
      abort.abort();
    });

    const body = await readBody(req);
    record.body = roughBody(body);

    const exchange: Exchange = {
      req,
      res,
      provider: route.provider,
      endpoint: route.endpoint,
      url,
      params: route.params,
      body,
      record,
      signal: abort.signal,
      pick: (facts) => rules.take({ ...facts, endpoint: route.endpoint, provider: route.provider }),
    };

    const authProblem = credentialProblem(route.provider, req.headers);
    if (authProblem) return sendError(exchange, 401, authProblem);
    if (!route.handle)
      return sendError(exchange, 404, `Unknown request URL: ${method} ${url.pathname}. The simulator does not serve this route.`, "unknown_url");
    await route.handle(exchange);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // Client gone, socket dropped on purpose, or close(): there is nobody left to answer.
      if (res.destroyed || (error as { name?: unknown } | null)?.name === "AbortError" || error instanceof BodyTooLargeError) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify(errorBody("openai", 500, `simulator error: ${(error as Error)?.message ?? String(error)}`));
      res.writeHead(500, { "content-type": "application/json" }).end(body);
    });
  });

  // WebSocket services, each claiming its own path.
  const sockets = [deepgramLive({ rules, log }), openAiRealtime({ rules, log })];
  server.on("upgrade", (req, socket, head) => {
    if (!sockets.some((service) => service.upgrade(req, socket, head))) socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      for (const service of sockets) service.close();
      server.close((error) => (error ? reject(error) : resolve()));
      // close() alone waits for every connection to end; hanging and keep-alive sockets never would.
      server.closeAllConnections();
    }));

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    groqBaseUrl: url,
    elevenlabsBaseUrl: url,
    deepgramBaseUrl: url.replace(/^http/, "ws"),
    script: (rule) => rules.add(rule),
    reset,
    requests: (filter) => log.list(filter),
    close,
  };
}

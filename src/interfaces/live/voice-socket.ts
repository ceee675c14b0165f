import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import cookieParser from "cookie-parser";
import type { Express, Request, Response } from "express";
import { ipKeyGenerator, MemoryStore, type Options, type Store } from "express-rate-limit";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { AppError } from "../../core/errors.js";
import { isUuid, newId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { isTimezone } from "../../modules/character/activity.js";
import { LiveCall, LiveCallError, type LiveCallDeps, type LiveCallLimits, LiveCallRegistry } from "../../modules/voice/live-call.js";
import { errorBody } from "../http/middleware/errors.js";
import { TokenCoalescer } from "./token-coalescer.js";
import { IDENTITY_COOKIE } from "../http/middleware/identity.js";
import { presentedToken } from "../http/middleware/authentication.js";
import type { Accounts } from "../../modules/accounts/accounts.js";
import { authenticationRequired, invalidToken } from "../../modules/accounts/auth-errors.js";
import { allowedOriginSet, requestSite } from "../http/middleware/request-origin.js";

/**
 * GET /api/v1/voice/live (alias /api/voice/live): the live voice call as a WebSocket (the `ws` library).
 * The upgrade goes through what every API request goes through, before a socket exists: the identity
 * (one function, `resolveIdentity`), the origin (the app's own or one in CORS_ORIGINS), and the rate limits;
 * a refusal is an HTTP 4xx with the API's JSON error body. After that, the protocol (DESIGN.md, "Live voice
 * socket") is carried between the socket and a LiveCall: text frames are JSON messages checked with zod,
 * binary frames are PCM.
 */

export const LIVE_VOICE_PATHS = ["/api/v1/voice/live", "/api/voice/live"];
/** A frame larger than this is refused by the socket itself (1009) before it is buffered: 100 ms of audio is 3,200 bytes. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const WINDOW_MS = 60_000;
/**
 * Events written but not yet taken by the client: a reply's audio is some hundreds of kilobytes, so a client
 * this far behind has stopped reading, and the call ends rather than hold its audio in memory.
 */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

const startSchema = z.strictObject({
  type: z.literal("start"),
  session_id: z.uuid({ error: "must be a session id (a UUID)" }).optional(),
  sample_rate: z.number({ error: "must be a number (16000)" }).int(),
  timezone: z.string().refine(isTimezone, { error: "must be an IANA time zone such as Europe/Lisbon" }).optional(),
});
const clientMessage = z.discriminatedUnion("type", [
  startSchema,
  z.strictObject({ type: z.literal("playback"), index: z.number().int().min(0), played_ms: z.number().min(0).finite() }),
  z.strictObject({ type: z.literal("interrupt") }),
  z.strictObject({ type: z.literal("stop") }),
]);

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** How callers are recognised: the accounts, and whether anonymous use is allowed. */
export interface LiveIdentity {
  accounts: Pick<Accounts, "authenticate" | "isAccount">;
  requireAuthentication: boolean;
}

export interface LiveVoiceOptions {
  app: Express;
  signingSecret: string;
  identity: LiveIdentity;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  defaultTimezone: string;
  limits: LiveCallLimits;
  logger: Logger;
  /** Shared rate-limit counters (Redis) when several instances serve the same users. */
  rateLimitStore?: (prefix: string) => Store;
  /** The call's collaborators except the per-person turn limit, which the socket adds. */
  call: Omit<LiveCallDeps, "allowTurn" | "limits" | "logger">;
}

export interface LiveVoiceSocket {
  /** Ends every call (shutdown), telling each client why. */
  close(): void;
  readonly calls: number;
}

/**
 * Who is calling, decided as the HTTP API decides (middleware/authentication.ts): a valid access token
 * (Bearer header, or the `rose_at` cookie browsers send with the upgrade) is its account, and a bad,
 * expired or revoked one is refused; without one, the signed anonymous cookie, unless accounts are
 * required or that id has since become an account (it no longer speaks for it).
 */
export async function resolveIdentity(
  req: Request,
  signingSecret: string,
  { accounts, requireAuthentication }: LiveIdentity,
): Promise<{ userId: string } | { refusal: AppError }> {
  cookieParser(signingSecret)(req, {} as Response, () => {});
  const token = presentedToken(req);
  if (token !== undefined) {
    const claims = await accounts.authenticate(token);
    return claims ? { userId: claims.userId } : { refusal: invalidToken() };
  }
  if (requireAuthentication) return { refusal: authenticationRequired(true) };
  const id: unknown = req.signedCookies?.[IDENTITY_COOKIE];
  if (!isUuid(id) || (await accounts.isAccount(id))) {
    return { refusal: new AppError(401, "unauthorized", "Open Rose first (any API request gives you an identity), then connect the live call") };
  }
  return { userId: id };
}

function refuse(socket: Duplex, error: AppError, requestId: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(errorBody(error, requestId));
  const lines = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Bad Request"}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${requestId}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "Connection: close",
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

function counter(prefix: string, limit: number, makeStore?: (prefix: string) => Store): Store {
  const store = makeStore ? makeStore(`rose:rl:${prefix}:`) : new MemoryStore();
  void store.init?.({ windowMs: WINDOW_MS, limit } as Options);
  return store;
}

export function attachLiveVoice(server: Server, options: LiveVoiceOptions): LiveVoiceSocket {
  const { app, logger, limits } = options;
  const allowedOrigins = allowedOriginSet(options.corsOrigins);
  const registry = new LiveCallRegistry();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const limit = options.rateLimitPerMinute;
  const callsByIp = counter("live-call-ip", limit, options.rateLimitStore);
  const callsByUser = counter("live-call-user", limit, options.rateLimitStore);
  const turnsByUser = counter("live-turn-user", limit, options.rateLimitStore);
  const over = async (store: Store, key: string) => limit > 0 && (await store.increment(key)).totalHits > limit;

  async function upgrade(raw: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(raw.url ?? "/", "http://rose").pathname.replace(/\/+$/, "");
    // No other route is a WebSocket: say so as the API says it of any unknown path, then close.
    if (!LIVE_VOICE_PATHS.includes(path))
      return refuse(socket, new AppError(404, "not_found", `No WebSocket at ${path}: the live call is at ${LIVE_VOICE_PATHS[0]}`), newId());
    // Express's own request methods (host, protocol, ip behind TRUST_PROXY, get): the origin and rate-limit checks read it as they read any request.
    const req = Object.setPrototypeOf(raw, app.request) as Request;
    Object.assign(req, { app });
    const requestId = newId();
    if (requestSite(req, allowedOrigins) === "foreign") {
      return refuse(
        socket,
        new AppError(403, "cross_site_request", "Live voice must be opened from Rose's own pages (or an origin listed in CORS_ORIGINS)"),
        requestId,
      );
    }
    const identity = await resolveIdentity(req, options.signingSecret, options.identity);
    if ("refusal" in identity) return refuse(socket, identity.refusal, requestId);
    const userId = identity.userId;
    if ((await over(callsByIp, ipKeyGenerator(req.ip ?? "unknown"))) || (await over(callsByUser, userId))) {
      return refuse(socket, new AppError(429, "rate_limited", `Too many calls: at most ${limit} per minute. Please wait a moment and try again.`), requestId, {
        "Retry-After": "60",
      });
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, userId));
  }

  function serve(ws: WebSocket, userId: string): void {
    const events = new TokenCoalescer((event) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
        logger.warn("a live voice client stopped reading its socket; ending the call", { unread_bytes: ws.bufferedAmount });
        return ws.terminate();
      }
      ws.send(JSON.stringify(event));
    });
    const call = new LiveCall(
      {
        ...options.call,
        logger,
        limits,
        allowTurn: async () => !(await over(turnsByUser, userId)),
      },
      userId,
      registry,
      {
        send: (event) => events.send(event),
        close: (code, reason) => {
          events.flush();
          ws.close(code, reason);
        },
      },
    );
    let starting: Promise<void> | null = null;

    const reject = (error: unknown) => {
      if (error instanceof LiveCallError) return call.fail(error);
      logger.error("live voice call failed", { error: (error as Error).message });
      call.fail(new LiveCallError("internal_error", "Rose could not handle this call; please try again"));
    };

    ws.on("message", (data: RawData, isBinary: boolean) => {
      try {
        if (isBinary) {
          return call.audio(bytesOf(data));
        }
        let json: unknown;
        try {
          json = JSON.parse(bytesOf(data).toString("utf8"));
        } catch {
          throw new LiveCallError("bad_message", 'Text frames must be JSON messages, such as {"type":"start","sample_rate":16000}');
        }
        const parsed = clientMessage.safeParse(json);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; ");
          throw new LiveCallError("bad_message", `Not a message of the live voice protocol (${problems})`);
        }
        const message = parsed.data;
        switch (message.type) {
          case "start":
            if (starting) throw new LiveCallError("already_started", "The call has already started");
            starting = call.start(message, options.defaultTimezone).catch(reject);
            return;
          case "playback":
            return call.playback(message.index, message.played_ms);
          case "interrupt":
            return call.interrupt();
          case "stop":
            return call.stop();
        }
      } catch (error) {
        reject(error);
      }
    });
    ws.on("error", (error) => {
      // ws reports an oversized or malformed frame here and closes the socket itself (1009 / 1002).
      logger.warn("live voice socket error", { error: error.message });
    });
    ws.on("close", () => call.closed());
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    upgrade(req, socket, head).catch((error: unknown) => {
      logger.error("live voice upgrade failed", { error: (error as Error).message });
      socket.destroy();
    });
  };
  server.on("upgrade", onUpgrade);

  return {
    close() {
      server.off("upgrade", onUpgrade);
      for (const ws of wss.clients) {
        if (ws.readyState === WebSocket.OPEN)
          ws.send(JSON.stringify({ type: "error", code: "shutting_down", message: "Rose is restarting; call again in a moment" }));
        ws.close(1001, "shutting down");
        setTimeout(() => ws.terminate(), 1000).unref();
      }
      wss.close();
    },
    get calls() {
      return registry.size;
    },
  };
}

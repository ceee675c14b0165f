import type { IncomingMessage, ServerResponse } from "node:http";
import type { RecordedEndpoint, Provider } from "./rules.js";
import { RuleError, type RuleBook, validateRule } from "./rules.js";
import type { RequestLog } from "./recorder.js";

/**
 * The same control the in-process API gives, over HTTP, for a simulator running in another process
 * (`npm run simulator`):
 *   POST   /__sim/rules     a rule or an array of rules, as JSON (regexes as "/source/flags" or plain strings)
 *   GET    /__sim/rules     the active rules, newest first
 *   DELETE /__sim/rules     remove all rules and recorded requests
 *   GET    /__sim/requests  the request log; ?endpoint=chat&provider=groq to filter
 *   GET    /__sim/health    liveness
 */

export const CONTROL_PREFIX = "/__sim/";

function reply(res: ServerResponse, status: number, payload: unknown): void {
  // RegExps in rules serialise as "/source/flags", the form POST accepts back.
  const body = JSON.stringify(payload, (_key, value: unknown) => (value instanceof RegExp ? value.toString() : value));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
  deps: { rules: RuleBook; log: RequestLog; reset(): void },
): void {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  switch (route) {
    case "POST /__sim/rules": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return reply(res, 400, { error: "body must be a JSON rule or an array of rules" });
      }
      const list = Array.isArray(parsed) ? parsed : [parsed];
      try {
        // Validate all before adding any, so a bad batch leaves the book unchanged.
        const staged = list.map(validateRule);
        for (const rule of staged) deps.rules.add(rule);
      } catch (error) {
        if (error instanceof RuleError) return reply(res, 400, { error: error.message });
        throw error;
      }
      return reply(res, 201, { added: list.length, active: deps.rules.list().length });
    }
    case "GET /__sim/rules":
      return reply(res, 200, deps.rules.list());
    case "DELETE /__sim/rules":
      deps.reset();
      return reply(res, 200, { ok: true });
    case "GET /__sim/requests": {
      const endpoint = url.searchParams.get("endpoint") ?? undefined;
      const provider = url.searchParams.get("provider") ?? undefined;
      return reply(res, 200, deps.log.list({ endpoint: endpoint as RecordedEndpoint | undefined, provider: provider as Provider | undefined }));
    }
    case "GET /__sim/health":
      return reply(res, 200, { ok: true });
    default:
      return reply(res, 404, { error: `no control route ${route}` });
  }
}

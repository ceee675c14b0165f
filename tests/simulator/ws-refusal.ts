import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { RecordedRequest } from "./recorder.js";
import type { RequestFacts, RuleBook } from "./rules.js";

/**
 * Refuses a WebSocket upgrade the way a provider's gateway does: an HTTP status with a JSON body in that
 * provider's error shape, then the connection closed. The request's log entry records the status.
 */
export function refuseUpgrade(socket: Duplex, record: RecordedRequest, status: number, body: unknown): void {
  record.status = status;
  record.finishedAt = Date.now();
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

/**
 * Opens a live-transcription socket under the suite's connection-level failure rule, if it scripted one
 * (a rule with `fail` and no transcript): a status refuses the upgrade; `hang` and `dropMidStream` are
 * handed to `serve`, which plays them once the socket is open.
 */
export function upgradeUnderFailureRule(args: {
  rules: RuleBook;
  endpoint: "listen" | "realtime";
  provider: RequestFacts["provider"];
  record: RecordedRequest;
  refuse: (status: number, message: string) => void;
  open: (callback: (ws: WebSocket) => void) => void;
  serve: (ws: WebSocket, hang: boolean, drop: boolean) => void;
}): void {
  const { rules, endpoint, provider, record } = args;
  const failure = rules.list().find((r) => r.match?.endpoint === endpoint && r.fail);
  if (failure) rules.take({ endpoint, provider });
  if (failure?.fail?.status) {
    record.failure = "status";
    args.refuse(failure.fail.status, failure.fail.message ?? "The simulator refused this connection.");
    return;
  }
  args.open((ws) => {
    record.status = 101;
    const hang = failure?.fail?.hang === true;
    const drop = failure?.fail?.dropMidStream === true;
    if (hang || drop) record.failure = hang ? "hang" : "dropMidStream";
    args.serve(ws, hang, drop);
  });
}

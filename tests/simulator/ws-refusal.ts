import type { Duplex } from "node:stream";
import type { RecordedRequest } from "./recorder.js";

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

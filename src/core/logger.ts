import winston from "winston";
import { currentContext } from "./request-context.js";

/** Copies request_id / session_id from the active request into every line logged while serving it. */
const withRequestContext = winston.format((info) => {
  const context = currentContext();
  if (context) {
    info.request_id ??= context.requestId;
    if (context.sessionId) info.session_id ??= context.sessionId;
  }
  return info;
});

export type Logger = winston.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(withRequestContext(), winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { service: "rose" },
    transports: [new winston.transports.Console({ silent: level === "silent" })],
  });
}

/** A process-wide logger for code that runs before the configured one exists (start-up errors). */
export const bootLogger = createLogger();

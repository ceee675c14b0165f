import type { Server } from "node:http";
import { ConfigError, loadConfig } from "./core/config.js";
import { bootLogger, createLogger, type Logger } from "./core/logger.js";
import { createRose } from "./rose.js";

/** How long requests in flight get to finish after SIGTERM before their connections are closed. */
const SHUTDOWN_GRACE_MS = 20_000;
/** After that, how long turns still running get to finish and the databases to close before the process exits anyway. */
const SHUTDOWN_FINISH_MS = 5_000;

/**
 * Stops accepting connections and resolves once every request in flight has been answered. Keep-alive
 * connections are closed as soon as they are idle; after `graceMs` the remaining connections are cut.
 */
function closeHttpServer(server: Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    // A keep-alive connection whose request finishes after close() would otherwise hold the server
    // open until its keep-alive timeout: close connections as they become idle.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const bound = setTimeout(() => {
      logger.warn("shutdown grace period over; closing connections with requests still in flight");
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(bound);
      resolve();
    });
    server.closeIdleConnections();
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      bootLogger.error(error.message, { problems: error.problems });
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const rose = await createRose(config, logger);
  const server: Server = rose.app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    logger.info(`Rose is listening on http://localhost:${port}`, { port, environment: config.environment });
  });
  rose.attach(server);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const forced = setTimeout(() => {
      logger.error("shutdown took too long; exiting with turns still in flight");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + SHUTDOWN_FINISH_MS);
    forced.unref();
    try {
      // Readiness flips first; requests in flight (voice, memory import/export) finish while every
      // store is still open; then turns drain and the stores close.
      await rose.close({ stopHttp: () => closeHttpServer(server, SHUTDOWN_GRACE_MS, logger) });
    } catch (error) {
      logger.error("shutdown failed", { error: (error as Error).message });
      process.exit(1);
    }
    logger.info("shutdown complete");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  bootLogger.error("Rose failed to start", { error: (error as Error).message, stack: (error as Error).stack });
  process.exit(1);
});

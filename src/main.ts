import type { Server } from "node:http";
import { ConfigError, loadConfig } from "./core/config.js";
import { bootLogger, createLogger } from "./core/logger.js";
import { createRose } from "./rose.js";

/** How long in-flight turns get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 20_000;

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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const forced = setTimeout(() => {
      logger.error("shutdown grace period over; exiting with turns still in flight");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    server.close();
    server.closeIdleConnections();
    await rose.close();
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

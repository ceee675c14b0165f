import { createClient } from "redis";
import type { Logger } from "./logger.js";

/** Connects to Redis (shared rate limits and job leases across instances); fails start-up loudly if unreachable. */
export async function connectRedis(url: string, logger: Logger) {
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(retries * 200, 5_000) } });
  client.on("error", (error: Error) => logger.warn("redis connection problem", { error: error.message }));
  await client.connect();
  logger.info("connected to redis");
  return client;
}

export type RedisClient = Awaited<ReturnType<typeof connectRedis>>;

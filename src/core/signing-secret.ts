import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SECRET_FILE = ".signing-secret";

/**
 * The secret that signs identities: JWT_SECRET when set; otherwise (development only, production
 * refuses to start without it) a random one generated once and kept in DATA_DIR so identities survive restarts.
 */
export function resolveSigningSecret(configured: string | undefined, dataDir: string): { secret: string; source: "environment" | "generated" | "data_dir" } {
  if (configured) return { secret: configured, source: "environment" };
  const path = join(dataDir, SECRET_FILE);
  if (existsSync(path)) {
    const stored = readFileSync(path, "utf8").trim();
    if (stored.length >= 32) return { secret: stored, source: "data_dir" };
  }
  const secret = randomBytes(32).toString("hex");
  writeFileSync(path, secret, { mode: 0o600 });
  return { secret, source: "generated" };
}

import { createHash, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "rose_sk_";
/** 32 random bytes: 256 bits, far beyond guessing or brute force. */
const SECRET_BYTES = 32;
/** What a list shows of a key: the fixed prefix and four characters of its random part. */
const DISPLAY_CHARS = SECRET_PREFIX.length + 4;

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
}

/**
 * SHA-256, not argon2: a password needs a slow hash because people pick guessable ones, so an attacker
 * with the table could try likely passwords. This secret is 256 random bits: no dictionary exists and no
 * hash speed makes trying 2^256 values feasible, so a fast hash is as safe here, and it lets every request
 * find its key by an indexed equality lookup in microseconds instead of spending ~50 ms of CPU per call.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export const displayPrefix = (secret: string) => secret.slice(0, DISPLAY_CHARS);

/** Shaped like one of Rose's secrets: anything else is refused without a database lookup. */
export const looksLikeSecret = (value: string) => value.startsWith(SECRET_PREFIX) && value.length >= SECRET_PREFIX.length + 43 && value.length <= 128;

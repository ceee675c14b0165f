import { hash, verify } from "@node-rs/argon2";
import { randomUUID } from "node:crypto";
import { COMMON_PASSWORDS } from "./common-passwords.js";

/** NIST SP 800-63B asks for at least 8; 10 leaves brute force hopeless behind a lockout. */
export const MIN_PASSWORD_LENGTH = 10;
/** argon2 hashes any length, but a megabyte password per request is a cheap way to burn our CPU. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane). `algorithm` defaults to
 * argon2id in @node-rs/argon2 (its Algorithm enum is a const enum, which isolated modules cannot import).
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, OPTIONS);

/** False for a malformed stored hash too: a broken row must never sign anyone in. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;
/** The hash unknown emails are checked against, made once (at start-up, so the first such sign-in is not slower). */
export const prepareDummyHash = () => (dummyHash ??= hashPassword(`rose-dummy-${randomUUID()}`));

/**
 * Verifies against a hash of nothing anyone knows, so a sign-in for an unknown email costs the same time
 * as one with a wrong password: timing tells no one whether the address has an account.
 */
export async function burnVerification(password: string): Promise<void> {
  await verifyPassword(await prepareDummyHash(), password);
}

/** Why a new password is refused, or null when it is acceptable. Length is checked by the input schema. */
export function passwordWeakness(password: string, email: string | null): string | null {
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return "This password is one of the most common ones and would be guessed quickly; please choose another";
  if (new Set(lower).size < 3) return "This password repeats too few characters to be hard to guess; please choose another";
  if (email && (lower === email || lower === email.split("@")[0])) return "Your password must not be your email address; please choose another";
  return null;
}

import { createHash, randomBytes } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";

/** Bearer values of this shape are API keys for the OpenAI-compatible /v1 routes, never session tokens. */
export const API_KEY_PREFIX = "rose_sk_";
const REFRESH_PREFIX = "rose_rt_";
const ISSUER = "rose";
const AUDIENCE = "rose-api";

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/**
 * Short-lived access tokens: HS256 JWTs under a key derived from the service's signing secret (its own
 * key, so a cookie signature can never pass as a token nor the reverse), `sub` the user, `sid` the
 * sign-in session whose revocation ends them.
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    signingSecret: string,
    private readonly lifetimeSeconds: number,
  ) {
    this.key = createHash("sha256").update(`rose access token v1\0${signingSecret}`).digest();
  }

  get expiresIn(): number {
    return this.lifetimeSeconds;
  }

  issue(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token; null for anything else (tampered, expired, another algorithm). */
  async verify(token: string): Promise<AccessClaims | null> {
    if (token.startsWith(API_KEY_PREFIX) || token.startsWith(REFRESH_PREFIX)) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }
}

/** Refresh tokens are 256 random bits: a plain SHA-256 is enough to store them (nothing to brute-force). */
export const newRefreshToken = () => `${REFRESH_PREFIX}${randomBytes(32).toString("base64url")}`;
export const hashRefreshToken = (token: string) => createHash("sha256").update(token).digest("base64url");

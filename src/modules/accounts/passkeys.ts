import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { newId } from "../../core/ids.js";
import { type Accounts, type IssuedTokens, passkeyView, type PasskeyView } from "./accounts.js";
import { ceremonyFailed, invalidCredentials } from "./auth-errors.js";
import type { ChallengeRecord } from "./types.js";

/** How long a person has to answer their authenticator: WebAuthn's usual minute, plus some room. */
const CEREMONY_MS = 5 * 60_000;

export interface RelyingPartySettings {
  rpName: string;
  /** Fixed RP ID (WEBAUTHN_RP_ID); otherwise the host name of the page that asks. */
  rpId?: string;
  /** Fixed origins (WEBAUTHN_ORIGINS); otherwise the page's own origin. */
  origins: string[];
}

/** Who is asking: the account adding a passkey, or the caller a new passkey account would be made for. */
export type RegistrationCaller = { kind: "account"; userId: string } | { kind: "new"; claimId: string };

/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: registration to an account (or as a new account on
 * its own), and sign-in with discoverable credentials. Each ceremony's challenge is kept server-side,
 * bound to the relying party it was offered for, expires after a few minutes and is used once.
 */
export class Passkeys {
  constructor(
    private readonly accounts: Accounts,
    private readonly settings: RelyingPartySettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The relying party for this request. `pageOrigin` is the Origin of a page the browser vouches for
   * (same-origin or in CORS_ORIGINS), or null for a client that is no browser.
   */
  relyingParty(pageOrigin: string | null): { rpId: string; origins: string[] } {
    const origins = this.settings.origins.length > 0 ? this.settings.origins : pageOrigin ? [pageOrigin] : [];
    const rpId = this.settings.rpId ?? (pageOrigin ? new URL(pageOrigin).hostname : undefined);
    if (!rpId || origins.length === 0)
      throw ceremonyFailed("Passkeys need a page origin: call from Rose's web app, or set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS on the server");
    return { rpId, origins };
  }

  async registrationOptions(caller: RegistrationCaller, pageOrigin: string | null): Promise<{ ceremony_id: string; options: unknown }> {
    const rp = this.relyingParty(pageOrigin);
    const userId = caller.kind === "account" ? caller.userId : caller.claimId;
    const account = caller.kind === "account" ? await this.accounts.store.findById(userId) : null;
    const existing = caller.kind === "account" ? await this.accounts.store.listPasskeys(userId) : [];
    const options = await generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: rp.rpId,
      userName: account?.email ?? `Rose account ${new Date(this.now()).toISOString().slice(0, 10)}`,
      userID: new TextEncoder().encode(userId),
      attestationType: "none",
      // Discoverable, so signing in needs no email: the authenticator offers the account itself.
      authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      timeout: 60_000,
    });
    return { ceremony_id: await this.save("register", options.challenge, rp, userId, caller.kind === "new"), options };
  }

  /**
   * Verifies a registration. For an existing account the ceremony must be that account's; a ceremony
   * that creates an account is bound by its own unguessable id, which only the caller who asked has.
   */
  async verifyRegistration(
    caller: RegistrationCaller,
    ceremonyId: string,
    response: RegistrationResponseJSON,
    name: string | undefined,
  ): Promise<{ userId: string; passkey: PasskeyView; tokens: IssuedTokens | null }> {
    const ceremony = await this.accounts.store.takeChallenge(ceremonyId, this.now());
    if (!ceremony || ceremony.purpose !== "register" || ceremony.userId === null) throw ceremonyFailed("This passkey request has expired; please start again");
    if (ceremony.createsAccount !== (caller.kind === "new") || (caller.kind === "account" && caller.userId !== ceremony.userId))
      throw ceremonyFailed("This passkey request has expired; please start again");
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: ceremony.origins,
        expectedRPID: ceremony.rpId,
        requireUserVerification: false,
      });
    } catch {
      throw ceremonyFailed();
    }
    if (!verified.verified) throw ceremonyFailed();
    const { credential } = verified.registrationInfo;
    if (await this.accounts.store.findPasskey(credential.id)) throw ceremonyFailed("This passkey is already registered");
    const userId = ceremony.createsAccount ? (await this.accounts.createPasskeyAccount(ceremony.userId)).id : ceremony.userId;
    const record = {
      id: credential.id,
      userId,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? [],
      name: name?.trim() || `Passkey added ${new Date(this.now()).toISOString().slice(0, 10)}`,
      createdAt: this.now(),
      lastUsedAt: null,
    };
    await this.accounts.store.addPasskey(record);
    const tokens = ceremony.createsAccount ? await this.accounts.startSession(userId, "passkey") : null;
    return { userId, passkey: passkeyView(record), tokens };
  }

  async loginOptions(pageOrigin: string | null): Promise<{ ceremony_id: string; options: unknown }> {
    const rp = this.relyingParty(pageOrigin);
    // No allowCredentials: the authenticator offers whichever Rose passkeys it holds (discoverable).
    const options = await generateAuthenticationOptions({ rpID: rp.rpId, userVerification: "preferred", timeout: 60_000 });
    return { ceremony_id: await this.save("login", options.challenge, rp, null, false), options };
  }

  /** An unknown passkey and a failed signature are one answer: neither says which credentials exist. */
  async verifyLogin(ceremonyId: string, response: AuthenticationResponseJSON): Promise<IssuedTokens> {
    const ceremony = await this.accounts.store.takeChallenge(ceremonyId, this.now());
    if (!ceremony || ceremony.purpose !== "login") throw ceremonyFailed("This passkey request has expired; please start again");
    const passkey = await this.accounts.store.findPasskey(response.id);
    if (!passkey) throw invalidCredentials();
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: ceremony.origins,
        expectedRPID: ceremony.rpId,
        credential: { id: passkey.id, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: false,
      });
    } catch {
      throw invalidCredentials();
    }
    if (!verified.verified) throw invalidCredentials();
    await this.accounts.store.passkeyUsed(passkey.id, verified.authenticationInfo.newCounter, this.now());
    return this.accounts.startSession(passkey.userId, "passkey");
  }

  private async save(
    purpose: ChallengeRecord["purpose"],
    challenge: string,
    rp: { rpId: string; origins: string[] },
    userId: string | null,
    createsAccount: boolean,
  ) {
    const id = newId();
    await this.accounts.store.saveChallenge({
      id,
      purpose,
      challenge,
      userId,
      createsAccount,
      rpId: rp.rpId,
      origins: rp.origins,
      expiresAt: this.now() + CEREMONY_MS,
    });
    return id;
  }
}

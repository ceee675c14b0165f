import { z } from "zod";
import { defineRoute } from "../openapi/route-docs.js";
import { loginBody, loginVerifyBody, refreshBody, registerBody, registerVerifyBody } from "./auth.js";
import { passkeyIdParams, updateBody } from "./me.js";

/** The account routes as the OpenAPI document describes them, with the schemas their handlers parse. */

const TAG = "Accounts";

const passkeySchema = z.object({ id: z.string(), name: z.string(), created_at: z.string(), last_used_at: z.string().nullable() });
export const accountSchema = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  created_at: z.string(),
  has_password: z.boolean(),
  passkeys: z.array(passkeySchema),
});
const signedInSchema = z.object({
  user: accountSchema,
  access_token: z.string().meta({ description: "Send as `Authorization: Bearer <access_token>`; lives `expires_in` seconds" }),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  refresh_token: z.string().startsWith("rose_rt_").meta({ description: "Single use: POST /auth/refresh returns the next one" }),
});
const ceremonySchema = z.object({ ceremony_id: z.uuid(), options: z.looseObject({ challenge: z.string() }) });

const signedIn = (description: string) => ({ description, schema: signedInSchema });

export const authRouteDocs = [
  defineRoute({
    method: "post",
    path: "/auth/register",
    summary: "Create an account with an email and a password",
    description:
      "An anonymous caller's account takes over their identity (its id is their anonymous id), so every conversation and memory stays theirs. Tokens come as HttpOnly cookies and in the body. An email already registered is 409 `email_unavailable`.",
    tag: TAG,
    auth: "none",
    body: { schema: registerBody },
    responses: { 201: signedIn("Signed in to the new account") },
  }),
  defineRoute({
    method: "post",
    path: "/auth/login",
    summary: "Sign in with an email and a password",
    description:
      "Wrong or unknown credentials are one answer (401 `invalid_credentials`); five failures lock the email for 15 minutes (429 `too_many_attempts`).",
    tag: TAG,
    auth: "none",
    body: { schema: loginBody },
    responses: { 200: signedIn("Signed in") },
  }),
  defineRoute({
    method: "post",
    path: "/auth/refresh",
    summary: "Trade a refresh token (body or cookie) for new tokens",
    description: "The presented token is retired; presenting a retired one again ends its whole sign-in session (401 `refresh_token_reused`).",
    tag: TAG,
    auth: "none",
    body: { schema: refreshBody.optional() },
    responses: { 200: signedIn("New tokens") },
  }),
  defineRoute({
    method: "post",
    path: "/auth/logout",
    summary: "Sign out here (the access token's session, or the refresh token's)",
    tag: TAG,
    auth: "none",
    body: { schema: refreshBody.optional() },
    responses: { 204: { description: "Signed out; the cookies are cleared" } },
  }),
  defineRoute({
    method: "post",
    path: "/auth/logout-all",
    summary: "Sign out everywhere",
    tag: TAG,
    auth: "person",
    responses: { 204: { description: "Every session of the account has ended" } },
  }),
  defineRoute({
    method: "post",
    path: "/auth/passkeys/register/options",
    summary: "Start registering a passkey",
    description: "Signed in: the passkey is added to the account. Otherwise the passkey will make an account of its own (taking over an anonymous identity).",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "The WebAuthn creation options and the ceremony to answer", schema: ceremonySchema } },
  }),
  defineRoute({
    method: "post",
    path: "/auth/passkeys/register/verify",
    summary: "Finish registering a passkey",
    tag: TAG,
    auth: "none",
    body: { schema: registerVerifyBody },
    responses: {
      201: {
        description: "The passkey (added to the account), or the new account signed in",
        schema: z.union([z.object({ passkey: passkeySchema }), signedInSchema]),
      },
    },
  }),
  defineRoute({
    method: "post",
    path: "/auth/passkeys/login/options",
    summary: "Start signing in with a passkey (discoverable: no email needed)",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "The WebAuthn request options and the ceremony to answer", schema: ceremonySchema } },
  }),
  defineRoute({
    method: "post",
    path: "/auth/passkeys/login/verify",
    summary: "Finish signing in with a passkey",
    tag: TAG,
    auth: "none",
    body: { schema: loginVerifyBody },
    responses: { 200: signedIn("Signed in") },
  }),
  defineRoute({
    method: "get",
    path: "/me",
    summary: "Your account",
    tag: TAG,
    auth: "person",
    responses: { 200: { description: "The signed-in account", schema: accountSchema } },
  }),
  defineRoute({
    method: "patch",
    path: "/me",
    summary: "Change your password or email",
    description: "`current_password` is required when the account has one. A new password ends every other session.",
    tag: TAG,
    auth: "person",
    body: { schema: updateBody },
    responses: { 200: { description: "The account as it is now", schema: accountSchema } },
  }),
  defineRoute({
    method: "get",
    path: "/me/passkeys",
    summary: "Your passkeys",
    tag: TAG,
    auth: "person",
    responses: { 200: { description: "The account's passkeys", schema: z.object({ passkeys: z.array(passkeySchema) }) } },
  }),
  defineRoute({
    method: "delete",
    path: "/me/passkeys/:id",
    summary: "Remove a passkey",
    description: "Another person's passkey id is 404; the last way into an account without a password is 409.",
    tag: TAG,
    auth: "person",
    params: passkeyIdParams,
    responses: { 204: { description: "Removed" } },
  }),
];

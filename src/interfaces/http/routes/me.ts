import { type Request, Router } from "express";
import { z } from "zod";
import { conflict, notFound } from "../../../core/errors.js";
import { authenticationRequired } from "../../../modules/accounts/auth-errors.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { parseInput } from "../validation.js";
import { emailSchema, newPasswordSchema } from "./auth.js";

export const updateBody = z
  .object({
    current_password: z.string().max(256).optional(),
    new_password: newPasswordSchema.optional(),
    email: emailSchema.optional(),
  })
  .refine((b) => b.new_password !== undefined || b.email !== undefined, { error: "send new_password and/or email" });

const passkeyId = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9_-]+$/, { error: "must be a passkey id from GET /api/v1/me/passkeys" });
export const passkeyIdParams = z.object({ id: passkeyId });

/**
 * The signed-in person's account. (`DELETE /me` and `GET /me/export`, which reach every kind of data a
 * person has, live with the erasure work; the account stores offer exportUser/eraseUser for them.)
 */
export function meRoutes({ accounts, config }: HttpDeps): Router {
  const router = Router();
  const signedIn = (req: Request) => {
    if (!req.account) throw authenticationRequired(config.requireAuthentication);
    return req.account;
  };

  router.get("/me", async (req, res) => {
    const { userId } = signedIn(req);
    const view = await accounts.describe(userId);
    if (!view) throw authenticationRequired(config.requireAuthentication);
    res.json(view);
  });

  router.patch("/me", jsonBody, async (req, res) => {
    const { userId, sessionId } = signedIn(req);
    const body = parseInput(updateBody, req.body);
    await accounts.update(userId, sessionId, { currentPassword: body.current_password, newPassword: body.new_password, email: body.email });
    res.json(await accounts.describe(userId));
  });

  router.get("/me/passkeys", async (req, res) => {
    const { userId } = signedIn(req);
    res.json({ passkeys: (await accounts.describe(userId))?.passkeys ?? [] });
  });

  router.delete("/me/passkeys/:id", jsonBody, async (req, res) => {
    const { userId } = signedIn(req);
    const id = parseInput(passkeyIdParams, { id: req.params.id }).id;
    const view = await accounts.describe(userId);
    const mine = view?.passkeys.find((p) => p.id === id);
    if (!view || !mine) throw notFound("Passkey");
    // The last way in of an account without a password stays: removing it would lock the person out for good.
    if (!view.has_password && view.passkeys.length === 1)
      throw conflict("This passkey is the only way to sign in to your account: add a password or another passkey first");
    await accounts.store.deletePasskey(id, userId);
    res.status(204).end();
  });

  return router;
}

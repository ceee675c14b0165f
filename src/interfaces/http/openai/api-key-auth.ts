import type { NextFunction, Request, Response } from "express";
import { annotateContext } from "../../../core/request-context.js";
import type { ApiKeys } from "../../../modules/api-keys/api-keys.js";
import { openAiError } from "./errors.js";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * /v1 is for programs: the person is whoever owns the API key in `Authorization: Bearer`. No cookie is
 * read here, ever, so a page on another site cannot borrow a person's browser session to call it (and a
 * browser never attaches a bearer key on its own).
 */
export function apiKeyAuth(apiKeys: ApiKeys) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get("authorization");
    if (!header) {
      return next(
        openAiError(
          401,
          "missing_api_key",
          "You didn't provide an API key. Send it as Authorization: Bearer rose_sk_… (create one in Rose's web app or with POST /api/v1/me/api-keys).",
        ),
      );
    }
    const secret = BEARER.exec(header)?.[1];
    const key = secret ? await apiKeys.authenticate(secret) : null;
    if (!key) return next(openAiError(401, "invalid_api_key", "Incorrect API key provided (it may have been revoked)."));
    req.userId = key.userId;
    annotateContext({ userId: key.userId });
    next();
  };
}

import type { NextFunction, Request, Response } from "express";
import { newId } from "../../../core/ids.js";
import { runWithContext } from "../../../core/request-context.js";

/** Honour a caller's request id only if it is short and plain, so it cannot inject into logs or headers. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

declare module "express-serve-static-core" {
  interface Request {
    id: string;
    userId: string;
  }
}

export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get("x-request-id");
  req.id = incoming && WELL_FORMED_ID.test(incoming) ? incoming : newId();
  res.setHeader("X-Request-ID", req.id);
  runWithContext({ requestId: req.id }, next);
}

import { once } from "node:events";
import { type Request, type Response, Router } from "express";
import { isAsyncIterable, type PersonalDataRegistry } from "../../../core/personal-data.js";
import type { Logger } from "../../../core/logger.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { IDENTITY_COOKIE } from "../middleware/identity.js";
import { clearSessionCookies } from "../auth-cookies.js";

/** Rose's own cookies all start so: the identity, and whatever the sign-in cookies are called. */
const ROSE_COOKIE_PREFIX = "rose_";
export const EXPORT_FORMAT = "rose-export";
export const EXPORT_VERSION = 1;

/** Writes with backpressure: waits while the socket's buffer is full, and stops if the client has gone. */
function writer(res: Response) {
  return async (chunk: string): Promise<void> => {
    if (res.destroyed) throw new Error("the client left during the export");
    if (!res.write(chunk)) await Promise.race([once(res, "drain"), once(res, "close")]);
  };
}

/**
 * The archive as one JSON document written piece by piece: each holder's part under its name, lists
 * that holders stream (AsyncIterables) written item by item, so a long history never sits in memory whole.
 */
async function writeArchive(personalData: PersonalDataRegistry, userId: string, write: (chunk: string) => Promise<void>): Promise<void> {
  await write(
    `{"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"exported_at":${JSON.stringify(new Date().toISOString())},"user_id":${JSON.stringify(userId)},"data":{`,
  );
  let firstHolder = true;
  for await (const [name, data] of personalData.exportUser(userId)) {
    await write(`${firstHolder ? "" : ","}${JSON.stringify(name)}:`);
    firstHolder = false;
    if (!isAsyncIterable(data)) {
      await write(JSON.stringify(data ?? null));
      continue;
    }
    await write("[");
    let firstItem = true;
    for await (const item of data) {
      await write(`${firstItem ? "" : ","}${JSON.stringify(item)}`);
      firstItem = false;
    }
    await write("]");
  }
  await write("}}");
}

function clearRoseCookies(req: Request, res: Response, secure: boolean): void {
  const names = new Set([IDENTITY_COOKIE, ...Object.keys({ ...req.cookies, ...req.signedCookies }).filter((n) => n.startsWith(ROSE_COOKIE_PREFIX))]);
  for (const name of names) res.clearCookie(name, { path: "/", httpOnly: true, sameSite: "lax", secure });
  clearSessionCookies(res, secure); // the sign-in cookies live on narrower paths
}

function exportRoute(personalData: PersonalDataRegistry, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    const day = new Date().toISOString().slice(0, 10);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="rose-export-${day}.json"`);
    res.setHeader("Cache-Control", "no-store");
    try {
      await writeArchive(personalData, req.userId, writer(res));
      res.end();
    } catch (error) {
      // Once the archive has started, a status can no longer say it failed: the connection is cut, so
      // the download is visibly incomplete (never a well-formed archive missing part of the person's data).
      logger.error("the data export failed part-way", { error: (error as Error).message });
      res.destroy();
    }
  };
}

/** The person's data: one archive of all of it, and erasing all of it. */
export function meDataRoutes({ personalData, config, logger }: HttpDeps): Router {
  const router = Router();

  router.get("/me/export", exportRoute(personalData, logger));

  /**
   * Erases everything the person has in every store, then forgets them in this browser (their cookies).
   * Idempotent; if a store fails even after retries, 503 `erasure_incomplete` names what remains and the
   * cookies are kept, so asking again (with the same identity) finishes the job.
   */
  router.delete("/me", jsonBody, async (req, res) => {
    await personalData.eraseUser(req.userId);
    clearRoseCookies(req, res, config.environment === "production");
    res.status(204).end();
  });

  return router;
}

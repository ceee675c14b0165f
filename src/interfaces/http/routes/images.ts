import { type NextFunction, type Request, type Response, Router } from "express";
import multer from "multer";
import { AppError, badRequest, isAppError, notFound, payloadTooLarge } from "../../../core/errors.js";
import { type CleanImage, cleanImage } from "../../../modules/images/image-intake.js";
import { isImageId } from "../../../modules/images/image-store.js";
import type { HttpDeps } from "../context.js";
import { sendBytes } from "../send-bytes.js";

/** The multipart field of a chat turn's pictures (repeated, one file each). */
export const IMAGES_FIELD = "images";
/** Where a stored picture is served, under the API prefix. */
export const IMAGE_PATH = "/api/v1/images";

/** What the chat routes read from a multipart turn: its clean pictures (none for a JSON body). */
export function attachedImages(res: Response): CleanImage[] {
  return (res.locals.attachedImages as CleanImage[] | undefined) ?? [];
}

const FLAG_FIELDS = ["retry", "regenerate", "edit"] as const;

/** Multer's and busboy's complaints, in the API's terms. */
function uploadError(error: unknown, maxBytes: number, maxFiles: number): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    if (error.code === "LIMIT_FILE_SIZE")
      return payloadTooLarge(`A picture may be at most ${Math.round(maxBytes / 1024 / 1024)} MB; please send a smaller one`);
    if (error.code === "LIMIT_FILE_COUNT") return badRequest(`Attach at most ${maxFiles} pictures to one message`);
    if (error.code === "LIMIT_UNEXPECTED_FILE") return badRequest(`Attach pictures in the multipart field "${IMAGES_FIELD}" (at most ${maxFiles})`);
    return badRequest(`The upload could not be read (${error.code.toLowerCase().replace(/_/g, " ")})`);
  }
  return badRequest("The upload is not valid multipart/form-data");
}

/**
 * For POST /chat and /chat/stream as multipart/form-data: reads the text fields into req.body (as JSON
 * would have them) and checks and cleans every picture before the route runs, so a refused picture
 * stores and changes nothing. JSON bodies pass through untouched.
 */
export function chatImageUpload({ config }: HttpDeps) {
  const limits = config.images;
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: limits.maxBytes, files: limits.maxPerMessage, fields: 12, fieldSize: config.maxMessageChars * 4 + 1024 },
  }).array(IMAGES_FIELD, limits.maxPerMessage);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!req.is("multipart/form-data")) return next();
    try {
      await new Promise<void>((resolve, reject) =>
        upload(req, res, (error: unknown) => (error ? reject(uploadError(error, limits.maxBytes, limits.maxPerMessage)) : resolve())),
      );
      const body = (req.body ?? {}) as Record<string, unknown>;
      // Form fields are text: "true"/"false" stand for the JSON booleans; anything else is left for validation to refuse.
      for (const flag of FLAG_FIELDS) if (body[flag] === "true" || body[flag] === "false") body[flag] = body[flag] === "true";
      req.body = body;
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      if (files.length > 0 && (body.retry === true || body.regenerate === true))
        throw badRequest("Pictures cannot be attached to a retry or a regenerate: they ask about the message already sent");
      const clean: CleanImage[] = [];
      // One at a time: a message's pictures are decoded in turn, never all at once.
      for (const file of files) clean.push(await cleanImage(file.buffer, limits));
      res.locals.attachedImages = clean;
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function imageRoutes({ pictures }: HttpDeps): Router {
  const router = Router();
  router.get("/images/:id", async (req, res) => {
    const id = req.params.id;
    // Malformed, missing and someone else's all look the same: there is no such picture for this person.
    const stored = isImageId(id) ? await pictures.store.find(req.userId, id) : null;
    if (!stored) throw notFound("Picture");
    res.setHeader("Cache-Control", "private, max-age=86400");
    res.setHeader("X-Content-Type-Options", "nosniff");
    sendBytes(req, res, stored.bytes, stored.mime);
  });
  return router;
}

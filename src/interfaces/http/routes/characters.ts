import { type Request, type Response, Router } from "express";
import multer from "multer";
import { AppError, badRequest, isAppError, notFound, payloadTooLarge, unsupportedMediaType } from "../../../core/errors.js";
import { CardError } from "../../../modules/character/card.js";
import { cardFromPng, isPng, PngCardError } from "../../../modules/character/png-card.js";
import type { HttpDeps } from "../context.js";
import { assertJsonShape } from "../json-limits.js";
import { jsonBody } from "../middleware/body-type.js";
import { parseInput } from "../validation.js";
import { z } from "zod";

/**
 * Companion characters:
 *   GET    /characters       the built-in ones (everyone's) and the person's own imports
 *   POST   /characters       a Character Card V2/V3: the card's JSON, or multipart `card` (a PNG card or a JSON file)
 *   DELETE /characters/:id   one of the person's imports; built-in characters cannot be deleted
 * A card that is not one, is too large or tries to give the system orders is a 4xx naming what is wrong,
 * and nothing is stored.
 */

/** The JSON body limit for a card sent as JSON (registered in app.ts ahead of the general, smaller one). */
export const CARD_JSON_LIMIT = "1mb";
const CARD_FIELD = "card";
const MAX_CARD_FILE_BYTES = 8 * 1024 * 1024;

export const characterIdSchema = z.object({
  id: z
    .string()
    .max(100)
    .regex(/^[a-z0-9-]+$/i, { error: "is not a character id" }),
});

function uploadError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    if (error.code === "LIMIT_FILE_SIZE") return payloadTooLarge(`The card file is larger than ${MAX_CARD_FILE_BYTES / 1024 / 1024} MB`);
    if (error.code === "LIMIT_UNEXPECTED_FILE") return badRequest(`Send exactly one card file, in the multipart field "${CARD_FIELD}"`);
    return badRequest(`The upload could not be read (${error.code.toLowerCase().replace(/_/g, " ")})`);
  }
  return badRequest("The upload is not valid multipart/form-data");
}

/** The card's JSON value from a file: a PNG with the card embedded, or a JSON file. */
function cardFromFile(bytes: Buffer): unknown {
  if (isPng(bytes)) return cardFromPng(bytes);
  const text = bytes.toString("utf8").trim();
  if (!text.startsWith("{")) throw unsupportedMediaType("The card file must be a PNG character card or a JSON card (Character Card V2 or V3)");
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The card file is not valid JSON");
  }
}

export function characterRoutes({ companion }: HttpDeps): Router {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CARD_FILE_BYTES, files: 1, fields: 4, fieldSize: 1024 } }).single(
    CARD_FIELD,
  );
  const router = Router();

  async function receiveCard(req: Request, res: Response): Promise<unknown> {
    if (req.is("application/json")) return req.body;
    if (!req.is("multipart/form-data"))
      throw unsupportedMediaType(`Send the card as JSON (application/json), or as multipart/form-data with the file in "${CARD_FIELD}"`);
    await new Promise<void>((resolve, reject) => upload(req, res, (error: unknown) => (error ? reject(uploadError(error)) : resolve())));
    if (!req.file) throw badRequest(`Attach the card file as the multipart field "${CARD_FIELD}"`);
    if (req.file.size === 0) throw badRequest("The card file is empty");
    const value = cardFromFile(req.file.buffer);
    assertJsonShape(value, "The card");
    return value;
  }

  router.get("/characters", async (req, res) => {
    res.json({ characters: await companion.characters.list(req.userId) });
  });

  router.post("/characters", async (req, res) => {
    let value: unknown;
    try {
      value = await receiveCard(req, res);
      const character = await companion.characters.import(req.userId, value);
      res.status(201).json({ character });
    } catch (error) {
      if (error instanceof CardError || error instanceof PngCardError) throw badRequest(`The card is not valid: ${error.message}`);
      throw error;
    }
  });

  router.delete("/characters/:id", jsonBody, async (req, res) => {
    const { id } = parseInput(characterIdSchema, { id: req.params.id });
    if (companion.characters.isBuiltIn(id)) throw new AppError(403, "built_in_character", "Built-in characters are everyone's and cannot be deleted");
    if (!(await companion.forgetCharacter(req.userId, id))) throw notFound("Character");
    res.status(204).end();
  });

  return router;
}

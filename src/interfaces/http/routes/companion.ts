import { type Request, Router } from "express";
import { z } from "zod";
import { isTimezone } from "../../../modules/character/activity.js";
import { settingsJson } from "../../../modules/companion/companion.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { isPlainText, PLAIN_TEXT_ERROR, parseInput } from "../validation.js";

/**
 *   GET /companion             the companion's state with this person (character, mood, energy, bond) and their settings
 *   PUT /companion/settings    character, voice, speaking rate, what she calls them, opener on/off, country (for crisis lines)
 * Fields left out of the PUT keep their value; an unknown field, character or voice is a 400 and nothing changes.
 */
export const settingsSchema = z.strictObject({
  character_id: z.string({ error: "must be a character id from GET /api/v1/characters" }).min(1).max(100).optional(),
  voice: z.string({ error: "must be a voice name, or null for the character's own" }).min(1).max(100).nullable().optional(),
  speaking_rate: z
    .number({ error: "must be a number from 0.5 to 2" })
    .min(0.5, { error: "must be at least 0.5" })
    .max(2, { error: "must be at most 2" })
    .optional(),
  call_me: z
    .string({ error: "must be text, or null" })
    .trim()
    .min(1, { error: "must not be empty (use null for nothing)" })
    .max(40, { error: "must be at most 40 characters" })
    .refine(isPlainText, { error: PLAIN_TEXT_ERROR })
    .nullable()
    .optional(),
  opener: z.boolean({ error: "must be true or false" }).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, { error: "must be a two-letter country code (ISO 3166-1) such as PT, or null" })
    .transform((c) => c.toUpperCase())
    .nullable()
    .optional(),
});

export function timezoneOf(req: Request, fallback: string): string {
  const asked = typeof req.query.timezone === "string" ? req.query.timezone : req.get("x-timezone");
  return asked && isTimezone(asked) ? asked : fallback;
}

export function companionRoutes({ companion, config }: HttpDeps): Router {
  const router = Router();

  router.get("/companion", async (req, res) => {
    res.json(await companion.view(req.userId, timezoneOf(req, config.defaultTimezone)));
  });

  router.put("/companion/settings", jsonBody, async (req, res) => {
    const body = parseInput(settingsSchema, req.body);
    const saved = await companion.updateSettings(req.userId, {
      ...(body.character_id !== undefined ? { characterId: body.character_id } : {}),
      ...(body.voice !== undefined ? { voice: body.voice } : {}),
      ...(body.speaking_rate !== undefined ? { speakingRate: body.speaking_rate } : {}),
      ...(body.call_me !== undefined ? { callMe: body.call_me } : {}),
      ...(body.opener !== undefined ? { opener: body.opener } : {}),
      ...(body.country !== undefined ? { country: body.country } : {}),
    });
    res.json({ settings: settingsJson(saved) });
  });

  return router;
}

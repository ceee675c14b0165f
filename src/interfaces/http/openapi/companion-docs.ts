import { z } from "zod";
import { characterIdSchema } from "../routes/characters.js";
import { settingsSchema } from "../routes/companion.js";
import { type RouteDoc, uploadedFile } from "./route-docs.js";

/**
 * Characters and the companion's state. Request schemas are the routes' own; a card's body is free-form
 * JSON (Character Card V2/V3 or Rose's own card), checked by the card parser, so it is described, not typed.
 */

const characterSchema = z.looseObject({ id: z.string(), name: z.string(), built_in: z.boolean() });

export const companionRouteDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/characters",
    summary: "The characters this person can choose: the built-in ones and their own imports",
    tag: "Companion",
    auth: "person",
    responses: { 200: { description: "The characters", schema: z.object({ characters: z.array(characterSchema) }) } },
  },
  {
    method: "post",
    path: "/characters",
    summary: "Import a character card (Character Card V2/V3 JSON, or a PNG card as multipart `card`)",
    description: "JSON up to 1 MB, or multipart/form-data with the card file (PNG with a `chara`/`ccv3` text chunk, or JSON) in `card`.",
    tag: "Companion",
    auth: "person",
    body: { contentType: "multipart/form-data", schema: z.object({ card: uploadedFile("The card: a PNG character card or a JSON card") }) },
    responses: { 201: { description: "The imported character", schema: z.object({ character: characterSchema }) } },
  },
  {
    method: "delete",
    path: "/characters/:id",
    summary: "Remove one of the person's imported characters",
    tag: "Companion",
    auth: "person",
    params: characterIdSchema,
    responses: { 204: { description: "Removed" }, 403: { description: "A built-in character (everyone's) cannot be deleted" } },
  },
  {
    method: "get",
    path: "/companion",
    summary: "The companion's state with this person (character, mood, energy, bond) and their settings",
    tag: "Companion",
    auth: "person",
    query: z.object({ timezone: z.string().optional() }),
    responses: { 200: { description: "Her state and the person's settings", schema: z.looseObject({}) } },
  },
  {
    method: "put",
    path: "/companion/settings",
    summary: "Change the person's companion settings (fields left out keep their value)",
    tag: "Companion",
    auth: "person",
    body: { schema: settingsSchema },
    responses: { 200: { description: "The saved settings", schema: z.looseObject({}) } },
  },
];

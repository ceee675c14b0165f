import { Router } from "express";
import { z } from "zod";
import type { HttpDeps } from "../context.js";
import { defineRoute } from "../openapi/route-docs.js";
import { parseInput } from "../validation.js";
import { openAiError } from "./errors.js";
import { characterModels, modelJson } from "./models.js";

const modelSchema = z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() });

export const listModelsRoute = defineRoute({
  method: "get",
  path: "/models",
  summary: "The characters you can talk to, one model each",
  tag: "OpenAI-compatible",
  auth: "apiKey",
  responses: { 200: { description: "A list of models", schema: z.object({ object: z.literal("list"), data: z.array(modelSchema) }) } },
});

export const retrieveModelRoute = defineRoute({
  method: "get",
  path: "/models/:model",
  summary: "One model",
  tag: "OpenAI-compatible",
  auth: "apiKey",
  params: z.object({ model: z.string().min(1).max(200) }),
  responses: { 200: { description: "The model", schema: modelSchema } },
});

export function modelRoutes(_deps: HttpDeps): Router {
  const router = Router();
  router.get(listModelsRoute.path, async (req, res) => {
    res.json({ object: "list", data: (await characterModels(req.userId)).map(modelJson) });
  });
  router.get(retrieveModelRoute.path, async (req, res) => {
    const { model } = parseInput(retrieveModelRoute.params, req.params);
    const found = (await characterModels(req.userId)).find((m) => m.id === model);
    if (!found) throw openAiError(404, "model_not_found", `The model '${model}' does not exist`, "model");
    res.json(modelJson(found));
  });
  return router;
}

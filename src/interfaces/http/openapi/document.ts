import { z } from "zod";
import type { RouteAuth, RouteDoc, RouteGroup } from "./route-docs.js";

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) from a zod schema. Requests are described as a
 * client may send them (`input`: defaults optional), responses as Rose sends them (`output`).
 * Refinements a schema cannot express (plain-text checks, time zones) are enforced by the route alone.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** `/me/api-keys/:id` → `/me/api-keys/{id}`. */
export const openApiPath = (base: string, path: string) => `${base}${path === "/" ? "" : path}`.replace(/:([A-Za-z0-9_]+)/g, "{$1}") || "/";

const isOptional = (schema: z.ZodType) => schema.safeParse(undefined).success;

function parameters(where: "path" | "query" | "header", object: z.ZodObject | undefined) {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, schema]) => ({
    name,
    in: where,
    required: where === "path" || !isOptional(schema as z.ZodType),
    schema: jsonSchema(schema as z.ZodType, "input"),
    ...((schema as z.ZodType).description ? { description: (schema as z.ZodType).description } : {}),
  }));
}

const SECURITY: Record<RouteAuth, Array<Record<string, string[]>>> = {
  person: [{ personCookie: [] }],
  apiKey: [{ apiKey: [] }],
  metricsToken: [{ metricsToken: [] }, {}],
  none: [],
};

const camel = (text: string) => text.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""));

function operation(route: RouteDoc, path: string, errorSchema: JsonSchema) {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const contentType = response.contentType ?? "application/json";
    const content: Record<string, unknown> = {};
    if (response.schema) content[contentType] = { schema: jsonSchema(response.schema, "output") };
    else if (contentType !== "application/json") content[contentType] = {};
    if (response.also)
      // A media type has no description of its own in OpenAPI 3.1: its schema carries it.
      content[response.also.contentType] = {
        schema: {
          ...(response.also.schema ? jsonSchema(response.also.schema, "output") : {}),
          ...(response.also.description ? { description: response.also.description } : {}),
        },
      };
    responses[status] = { description: response.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  responses.default = { description: "An error", content: { "application/json": { schema: errorSchema } } };
  return {
    operationId: camel(`${route.method} ${path}`),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: SECURITY[route.auth],
    parameters: [...parameters("path", route.params), ...parameters("query", route.query), ...parameters("header", route.headers)],
    ...(route.body
      ? {
          requestBody: {
            required: !isOptional(route.body.schema),
            ...(route.body.description ? { description: route.body.description } : {}),
            content: { [route.body.contentType ?? "application/json"]: { schema: jsonSchema(route.body.schema, "input") } },
          },
        }
      : {}),
    responses,
  };
}

export interface DocumentInfo {
  version: string;
}

/** The OpenAPI 3.1 document of every declared route: generated, never written by hand. */
export function openApiDocument(info: DocumentInfo, groups: RouteGroup[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    const errorSchema = jsonSchema(group.errorSchema, "output");
    for (const route of group.routes) {
      const path = openApiPath(group.base, route.path);
      const item = (paths[path] ??= {});
      if (item[route.method]) throw new Error(`OpenAPI: ${route.method.toUpperCase()} ${path} is declared twice`);
      item[route.method] = operation(route, path, errorSchema);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Rose",
      version: info.version,
      description:
        "Rose, an AI companion who remembers. `/api/v1` is Rose's own API (the web app uses it; `/api` is an alias). `/v1` is OpenAI-compatible, for chat apps and scripts written against OpenAI's API: authenticate with an API key from `POST /api/v1/me/api-keys`.",
    },
    servers: [{ url: "/" }],
    tags: [...new Set(groups.flatMap((g) => g.routes.map((r) => r.tag)))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        personCookie: {
          type: "apiKey",
          in: "cookie",
          name: "rose_uid",
          description: "The person's identity, set by Rose on first contact (signed, HttpOnly).",
        },
        apiKey: { type: "http", scheme: "bearer", description: "An API key (`rose_sk_…`) created with POST /api/v1/me/api-keys." },
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN, when the operator set one." },
      },
    },
    paths,
  };
}

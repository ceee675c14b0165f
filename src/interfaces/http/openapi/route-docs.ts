import { z } from "zod";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/**
 * Who may call a route: `person` (an account's access token, as a cookie or `Authorization: Bearer`, or
 * the anonymous identity cookie where accounts are optional), `apiKey` (Authorization: Bearer rose_sk_…, for programs), `metricsToken` (the scraper's bearer
 * token, when METRICS_TOKEN is set), `none` (anyone).
 */
export type RouteAuth = "person" | "apiKey" | "metricsToken" | "none";

export interface ResponseDoc {
  description: string;
  /** The body's schema; absent for an empty body (204) or a body no schema describes (audio bytes). */
  schema?: z.ZodType;
  /** application/json unless said otherwise (text/event-stream, audio/*, text/plain, text/html). */
  contentType?: string;
  /** The same status in another media type the client can ask for (a stream, plain text). */
  also?: { contentType: string; schema?: z.ZodType; description?: string };
}

/**
 * One route, declared once beside its handler: the handler validates with these very schemas
 * (`parseInput(route.body.schema, req.body)`), and the OpenAPI document is generated from them.
 */
export interface RouteDoc {
  method: HttpMethod;
  /** The path as the route's router mounts it, Express style (`/me/api-keys/:id`). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { schema: z.ZodType; contentType?: string; description?: string };
  responses: Record<number, ResponseDoc>;
}

/** Declares a route, keeping its literal types so the handler's `parseInput(route.body.schema, …)` is typed. */
export const defineRoute = <const R extends RouteDoc>(route: R): R => route;

/** Routes mounted together under one base path (`/api/v1`, `/v1`, or `` for the root). */
export interface RouteGroup {
  base: string;
  /** The error body every route of the group answers with (Rose's shape, or OpenAI's under /v1). */
  errorSchema: z.ZodType;
  routes: RouteDoc[];
}

/** A file in a multipart body, as OpenAPI 3.1 describes one (a string of binary content). */
export const uploadedFile = (description: string) => z.string().meta({ description, contentMediaType: "application/octet-stream" });

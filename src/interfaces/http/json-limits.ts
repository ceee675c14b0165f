import type { NextFunction, Request, Response } from "express";
import { badRequest } from "../../core/errors.js";

/**
 * How deep and how large a parsed JSON value may be. Rose's own bodies nest three levels at most
 * (`{memories: [{metadata: {…}}]}`); a value thousands of levels deep would overflow the stack of the
 * first recursive consumer (validation, JSON.stringify on the way to storage) and answer 500.
 */
export const MAX_JSON_DEPTH = 32;
/** Objects, arrays and values in one body: enough for the largest import (1000 memories with metadata). */
export const MAX_JSON_NODES = 100_000;

/**
 * Describes what is wrong with a parsed value's shape, or null. Iterative (an explicit stack), so a
 * value of any depth is measured without itself overflowing. `__proto__` keys are refused: handing them
 * to code that copies objects key by key would swap the copy's prototype.
 */
export function jsonShapeProblem(value: unknown, { maxDepth = MAX_JSON_DEPTH, maxNodes = MAX_JSON_NODES } = {}): string | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (++nodes > maxNodes) return `holds more than ${maxNodes} values`;
    if (current === null || typeof current !== "object") continue;
    if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === "__proto__") return 'uses the reserved key "__proto__"';
      stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return null;
}

/** Throws a 400 naming the problem, for a body (`what` = "The request body") or one JSON Lines line. */
export function assertJsonShape(value: unknown, what: string, details?: Record<string, unknown>): void {
  const problem = jsonShapeProblem(value);
  if (problem) throw badRequest(`${what} ${problem}`, details);
}

/** After the JSON parser: a parsed body of the wrong shape is a 400 before any route sees it. */
export function checkJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== null && typeof req.body === "object") assertJsonShape(req.body, "The request body");
  next();
}

/**
 * Builds the smallest boring value that satisfies a JSON schema, so an unscripted structured
 * request still gets an answer Rose's parsers (zod via LangChain / the OpenAI SDK) accept.
 * Covers what zod's and LangChain's JSON-schema output uses: type (and type arrays), enum, const,
 * anyOf/oneOf/allOf, $ref into $defs/definitions, min/max bounds, common string formats.
 */

type Schema = Record<string, unknown>;

const MAX_DEPTH = 12;

/** Strings that pass zod's format checks; "" would fail z.email(), z.uuid() and friends. */
const FORMAT_SAMPLES: Record<string, string> = {
  "date-time": "1970-01-01T00:00:00.000Z",
  date: "1970-01-01",
  time: "00:00:00",
  email: "user@example.com",
  uri: "https://example.com",
  url: "https://example.com",
  uuid: "00000000-0000-4000-8000-000000000000",
  ipv4: "127.0.0.1",
  ipv6: "::1",
};

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isSchema(node) ? node[key] : undefined;
  }
  return isSchema(node) ? node : undefined;
}

function isNullOnly(schema: unknown): boolean {
  return isSchema(schema) && (schema.type === "null" || (Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null));
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  const min = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + step : undefined;
  const max = typeof schema.maximum === "number" ? schema.maximum : typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum - step : undefined;
  let value = min ?? 0;
  if (max !== undefined && value > max) value = max;
  return integer ? Math.ceil(value) : value;
}

function sampleString(schema: Schema): string {
  const format = typeof schema.format === "string" ? FORMAT_SAMPLES[schema.format] : undefined;
  if (format !== undefined) return format;
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  return "x".repeat(minLength);
}

function sampleOfType(type: string, schema: Schema, root: Schema, depth: number): unknown {
  switch (type) {
    case "object": {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(properties)) out[key] = sample(child, root, depth + 1);
      return out;
    }
    case "array": {
      const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
      if (Array.isArray(schema.prefixItems)) return schema.prefixItems.map((item) => sample(item, root, depth + 1));
      return Array.from({ length: minItems }, () => sample(schema.items, root, depth + 1));
    }
    case "string":
      return sampleString(schema);
    case "integer":
      return sampleNumber(schema, true);
    case "number":
      return sampleNumber(schema, false);
    case "boolean":
      return false;
    default:
      return null;
  }
}

function sample(node: unknown, root: Schema, depth: number): unknown {
  if (!isSchema(node) || depth > MAX_DEPTH) return null;
  if (typeof node.$ref === "string") return sample(resolveRef(node.$ref, root), root, depth + 1);
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum.find((v) => v !== null) ?? node.enum[0];

  for (const key of ["anyOf", "oneOf"] as const) {
    const options = node[key];
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => !isNullOnly(o));
      return pick === undefined ? null : sample(pick, root, depth + 1);
    }
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) {
    // Merge the parts' samples: good enough for the object intersections zod emits.
    const parts = node.allOf.map((part) => sample(part, root, depth + 1));
    if (parts.every(isSchema)) return Object.assign({}, ...parts);
    return parts[0];
  }

  const declared = Array.isArray(node.type) ? node.type.find((t) => t !== "null") : node.type;
  if (typeof declared === "string") return sampleOfType(declared, node, root, depth);
  if (Array.isArray(node.type)) return null; // only "null" left
  if (isSchema(node.properties)) return sampleOfType("object", node, root, depth);
  if (node.items !== undefined) return sampleOfType("array", node, root, depth);
  return null;
}

/** Minimal valid instance of a JSON schema; {} when there is no usable schema. */
export function sampleFromSchema(schema: unknown): Record<string, unknown> {
  if (!isSchema(schema)) return {};
  const value = sample(schema, schema, 0);
  return isSchema(value) ? value : { value };
}

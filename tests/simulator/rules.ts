import { z } from "zod";

/**
 * Scripted behaviour for the provider simulator: the rule types, how a rule is matched against a
 * request, and the book that keeps rules newest-first with their use counts.
 *
 * Patterns: a RegExp is used as given. A string written `/source/flags` is a regex (the only way to
 * send one as JSON over the control API). Any other string is a case-insensitive regex for the text
 * fields (lastUser, system, anyMessage, text) and an exact name for `model`.
 */

/** The provider endpoints tests script; `listen` is Deepgram's live (WebSocket) recognition, `realtime` OpenAI's (a Realtime transcription session). */
export type Endpoint = "chat" | "transcription" | "speech" | "embeddings" | "images" | "listen" | "realtime";
/** Catalogue and health endpoints: recorded and scriptable, but only by rules that name them. */
export type MetaEndpoint = "models" | "voices" | "user";
/** Everything the request log can hold; `unknown` is a route the simulator does not serve. */
export type RecordedEndpoint = Endpoint | MetaEndpoint | "unknown";
export type Provider = "openai" | "groq" | "elevenlabs" | "deepgram";

export type Pattern = string | RegExp;

export interface SimMatch {
  endpoint?: Endpoint | MetaEndpoint;
  provider?: Provider;
  model?: Pattern;
  /** Case-insensitive regex on the last user message text. */
  lastUser?: Pattern;
  /** On the concatenated system (and developer) message(s). */
  system?: Pattern;
  /** On any one message, whatever its role. */
  anyMessage?: Pattern;
  /**
   * The requested tool name (forced by tool_choice, or offered with tool_choice auto) or the
   * response_format json_schema name (`json_object` for JSON mode). '*' = any structured request,
   * 'none' = only plain (non-structured) requests.
   */
  structured?: string;
  stream?: boolean;
  /** TTS input text; an image generation's prompt. */
  text?: Pattern;
}

export interface SimReply {
  /** Plain chat text. On a structured request it is sent verbatim (to simulate malformed JSON). */
  content?: string;
  /** The object sent as tool-call arguments or JSON content; not validated against the schema. */
  structured?: Record<string, unknown>;
  /** Transcription text (for `listen` and `realtime`: the utterance's final transcript; partial results reveal it word by word). */
  transcript?: string;
}

/**
 * Chat uses firstTokenMs, then tokensPerSecond (or totalMs spread over the tokens). Audio uses
 * firstByteMs, then totalMs spread over the chunks. One-shot JSON replies wait totalMs (else firstByteMs).
 * Live recognition (`listen`) sends the final result once the audio has been silent for totalMs after speech;
 * a Realtime transcription (`realtime`) sends its `completed` event totalMs after the utterance is committed.
 */
export interface SimLatency {
  firstTokenMs?: number;
  tokensPerSecond?: number;
  totalMs?: number;
  firstByteMs?: number;
}

export interface SimFailure {
  status?: number;
  message?: string;
  /** Accept the request and never answer, until the client aborts or the simulator closes. */
  hang?: boolean;
  /** Start answering, then destroy the socket. */
  dropMidStream?: boolean;
}

export interface SimRule {
  match?: SimMatch;
  /** Used this many times then dropped; unlimited by default. */
  times?: number;
  /** 0..1: the rule applies only with this probability (random failure injection). */
  probability?: number;
  reply?: SimReply;
  latency?: SimLatency;
  fail?: SimFailure;
}

/** What a handler learned about a request, in the terms rules match on. */
export interface RequestFacts {
  endpoint: RecordedEndpoint;
  provider: Provider;
  model?: string;
  stream?: boolean;
  lastUser?: string;
  system?: string;
  /** Text of every message, one entry per message. */
  messages?: string[];
  /** Forced tool name or response_format name; undefined for plain requests. */
  structured?: string;
  /** Tools offered with tool_choice auto: a rule naming one of them may answer with a tool call. */
  offeredTools?: string[];
  text?: string;
}

const CORE_ENDPOINTS: ReadonlySet<RecordedEndpoint> = new Set<Endpoint>(["chat", "transcription", "speech", "embeddings", "images", "listen", "realtime"]);

// ---------------------------------------------------------------------------------------------
// Validation: rules arrive from TypeScript and as JSON over HTTP, so both go through one schema
// that rejects typos (strict objects) instead of silently matching everything.

const patternSchema = z.union([z.string(), z.instanceof(RegExp)]);
const nonNegative = z.number().finite().min(0);

const ruleSchema = z.strictObject({
  match: z
    .strictObject({
      endpoint: z.enum(["chat", "transcription", "speech", "embeddings", "images", "listen", "realtime", "models", "voices", "user"]).optional(),
      provider: z.enum(["openai", "groq", "elevenlabs", "deepgram"]).optional(),
      model: patternSchema.optional(),
      lastUser: patternSchema.optional(),
      system: patternSchema.optional(),
      anyMessage: patternSchema.optional(),
      structured: z.string().optional(),
      stream: z.boolean().optional(),
      text: patternSchema.optional(),
    })
    .optional(),
  times: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  reply: z
    .strictObject({
      content: z.string().optional(),
      structured: z.record(z.string(), z.unknown()).optional(),
      transcript: z.string().optional(),
    })
    .optional(),
  latency: z
    .strictObject({
      firstTokenMs: nonNegative.optional(),
      tokensPerSecond: z.number().finite().positive().optional(),
      totalMs: nonNegative.optional(),
      firstByteMs: nonNegative.optional(),
    })
    .optional(),
  fail: z
    .strictObject({
      status: z.number().int().min(400).max(599).optional(),
      message: z.string().optional(),
      hang: z.boolean().optional(),
      dropMidStream: z.boolean().optional(),
    })
    .optional(),
});

export class RuleError extends Error {
  override name = "RuleError";
}

/** Checks a rule (from code or JSON) and returns it typed; throws RuleError naming the bad field. */
export function parseRule(input: unknown): SimRule {
  const parsed = ruleSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(rule)"}: ${i.message}`);
    throw new RuleError(`invalid simulator rule: ${problems.join("; ")}`);
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Matching

type Matcher = (value: string) => boolean;

const SLASHED_REGEX = /^\/(.+)\/([dgimsuvy]*)$/s;

/** Drops g/y so RegExp.test has no lastIndex state between requests. */
function stateless(re: RegExp): RegExp {
  return new RegExp(re.source, re.flags.replace(/[gy]/g, ""));
}

function compilePattern(pattern: Pattern, field: string, plainString: "regex" | "exact"): Matcher {
  try {
    if (pattern instanceof RegExp) {
      const re = stateless(pattern);
      return (v) => re.test(v);
    }
    const slashed = SLASHED_REGEX.exec(pattern);
    if (slashed) {
      const re = stateless(new RegExp(slashed[1]!, slashed[2]));
      return (v) => re.test(v);
    }
    if (plainString === "exact") return (v) => v === pattern;
    const re = new RegExp(pattern, "i");
    return (v) => re.test(v);
  } catch (error) {
    throw new RuleError(`invalid simulator rule: match.${field}: ${(error as Error).message}`);
  }
}

interface CompiledRule {
  rule: SimRule;
  remaining: number;
  test: (facts: RequestFacts) => boolean;
}

function compileRule(rule: SimRule): CompiledRule {
  const m = rule.match ?? {};
  const checks: Array<(f: RequestFacts) => boolean> = [];

  // A rule that names no endpoint must not swallow health probes and model listings.
  checks.push(m.endpoint ? (f) => f.endpoint === m.endpoint : (f) => CORE_ENDPOINTS.has(f.endpoint));
  if (m.provider) checks.push((f) => f.provider === m.provider);
  if (m.stream !== undefined) checks.push((f) => (f.stream ?? false) === m.stream);

  const onField = (field: "model" | "lastUser" | "system" | "text", mode: "regex" | "exact") => {
    const pattern = m[field];
    if (pattern === undefined) return;
    const test = compilePattern(pattern, field, mode);
    checks.push((f) => f[field] !== undefined && test(f[field]));
  };
  onField("model", "exact");
  onField("lastUser", "regex");
  onField("system", "regex");
  onField("text", "regex");

  if (m.anyMessage !== undefined) {
    const test = compilePattern(m.anyMessage, "anyMessage", "regex");
    checks.push((f) => (f.messages ?? []).some(test));
  }

  const wanted = m.structured;
  if (wanted === "*") checks.push((f) => f.structured !== undefined);
  else if (wanted === "none") checks.push((f) => f.structured === undefined);
  else if (wanted !== undefined) checks.push((f) => f.structured === wanted || (f.offeredTools ?? []).includes(wanted));

  return {
    rule,
    remaining: rule.times ?? Number.POSITIVE_INFINITY,
    test: (facts) => checks.every((check) => check(facts)),
  };
}

/** Full check of a rule, patterns included, without adding it anywhere. */
export function validateRule(input: unknown): SimRule {
  const rule = parseRule(input);
  compileRule(rule);
  return rule;
}

/** Holds the scripted rules; the newest matching rule wins, and limited rules retire when used up. */
export class RuleBook {
  private rules: CompiledRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(input: SimRule): void {
    this.rules.unshift(compileRule(parseRule(input)));
  }

  clear(): void {
    this.rules = [];
  }

  list(): SimRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** Finds the rule for a request and consumes one use of it. A probability miss falls through to older rules. */
  take(facts: RequestFacts): SimRule | undefined {
    for (const compiled of this.rules) {
      if (!compiled.test(facts)) continue;
      if (compiled.rule.probability !== undefined && this.random() >= compiled.rule.probability) continue;
      compiled.remaining -= 1;
      if (compiled.remaining <= 0) this.rules = this.rules.filter((r) => r !== compiled);
      return compiled.rule;
    }
    return undefined;
  }
}

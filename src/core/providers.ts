import type { z } from "zod";

/**
 * Providers are plug-ins: each is one file that declares its own environment variables (a small zod
 * schema), what it needs to serve, and how to build itself; a capability (chat model, speech
 * recognition, speech synthesis) lists its providers in a registry, one line each. Adding a provider
 * (a Deepgram, a Cartesia) is its file plus that line: start-up validation, chain selection
 * (`*_PROVIDERS`), health and breakers pick it up from here.
 */

export type Environment = Record<string, string | undefined>;

/** Where in its capability's chain a provider stands: capability-wide variables (CHAT_MODEL, STT_MODEL) apply to the first. */
export type ChainRole = "primary" | "fallback";

/** Each definition is typed on its own settings; a capability's registry holds them as `ProviderDefinition<unknown, …>`. */
export interface ProviderDefinition<Settings = unknown, Instance = unknown, Context = unknown> {
  /** The name in `*_PROVIDER(S)`, health, logs and breaker names: "groq", "elevenlabs". */
  readonly id: string;
  /** This provider's variables, parsed over the whole environment; malformed values are start-up problems. */
  env(role: ChainRole): z.ZodType<Settings>;
  /** What it still needs in order to serve, as "needs X: how to fix it"; null when it can serve. */
  missing(settings: Settings): string | null;
  /** Whether it serves when the capability's variables name no provider (e.g. its key is set); in registry order. */
  autoSelect(settings: Settings): boolean;
  create(settings: Settings, context: Context): Instance;
  /** Whether it can run on this machine (e.g. its binary is installed); a last resort that cannot is left out. */
  available?(settings: Settings): boolean;
}

export function defineProvider<Settings, Instance, Context>(
  definition: ProviderDefinition<Settings, Instance, Context>,
): ProviderDefinition<Settings, Instance, Context> {
  return definition;
}

export interface CapabilitySpec<Instance = unknown, Context = unknown> {
  /** "chat model", "speech recognition": used in messages. */
  readonly label: string;
  /** Ordered, comma-separated chain: LLM_PROVIDERS=groq,openai. */
  readonly listVariable: string;
  /** One provider (the original variable, still honoured): LLM_PROVIDER=groq. */
  readonly singleVariable: string;
  readonly providers: ReadonlyArray<ProviderDefinition<unknown, Instance, Context>>;
  /** Whether `none` may be chosen (speech: text only). */
  readonly allowsNone: boolean;
  /** Providers appended to a chain chosen without the list variable (speech synthesis: espeak-ng, so Rose is never silent). */
  readonly lastResort?: readonly string[];
  /**
   * When no variable names a provider: whether every configured provider serves, in registry order
   * (speech recognition: a second Whisper is the same model family), rather than only the first
   * (the chat model: a different model answering in Rose's voice is opted into, not assumed).
   */
  readonly chainsConfigured?: boolean;
}

export interface ResolvedProvider<Instance = unknown, Context = unknown> {
  readonly id: string;
  readonly role: ChainRole;
  readonly settings: unknown;
  readonly definition: ProviderDefinition<unknown, Instance, Context>;
  /** Added by the capability (not asked for), e.g. espeak-ng behind another voice: left out if it cannot run here. */
  readonly lastResort: boolean;
}

export interface ResolvedChain<Instance = unknown, Context = unknown> {
  /** In order of preference; empty when nothing is configured (or `none`). */
  providers: Array<ResolvedProvider<Instance, Context>>;
}

/** "a, b or c" */
export function listOfChoices(choices: readonly string[]): string {
  return choices.length <= 1 ? (choices[0] ?? "") : `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
}

/** Builds a resolved chain's providers, leaving out last resorts that cannot run on this machine. */
export function instantiate<Instance, Context>(
  providers: ReadonlyArray<ResolvedProvider<Instance, Context>>,
  context: Context,
  onSkipped?: (id: string) => void,
): Instance[] {
  return providers.flatMap((p) => {
    if (p.lastResort && p.definition.available?.(p.settings) === false) {
      onSkipped?.(p.id);
      return [];
    }
    return [p.definition.create(p.settings, context)];
  });
}

/**
 * Picks a capability's chain from the environment and validates every provider's variables.
 * `quote` renders a rejected value for a message (never a secret's). Problems are returned, not thrown,
 * so start-up can report all of them at once.
 */
export function resolveChain<Instance, Context>(
  spec: CapabilitySpec<Instance, Context>,
  env: Environment,
  quote: (name: string, value: string | undefined) => string,
): { chain: ResolvedChain<Instance, Context>; problems: string[] } {
  const problems: string[] = [];
  const ids = spec.providers.map((p) => p.id);
  const parse = (definition: ProviderDefinition<unknown, Instance, Context>, role: ChainRole): unknown => {
    const parsed = definition.env(role).safeParse(env);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const name = issue.path.join(".");
      problems.push(`${name}: ${issue.message}${quote(name, env[name])}`);
    }
    return undefined;
  };
  const settingsById = new Map(spec.providers.map((definition) => [definition.id, parse(definition, "primary")]));
  /** Providers whose own variables are malformed: already reported, not judged any further. */
  const malformed = new Set(spec.providers.filter((d) => settingsById.get(d.id) === undefined).map((d) => d.id));

  const choices = spec.allowsNone ? [...ids, "none"] : ids;
  const list = env[spec.listVariable]?.trim();
  const single = env[spec.singleVariable]?.trim();
  let chosen: string[];
  let source: string;
  if (list) {
    source = spec.listVariable;
    chosen = list
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean);
    const unknown = chosen.filter((id) => !choices.includes(id));
    if (unknown.length > 0) {
      problems.push(
        `${spec.listVariable}: unknown ${spec.label} provider${quote(spec.listVariable, unknown.join(","))}; list ${listOfChoices(ids)} in order of preference, comma-separated`,
      );
    } else if (new Set(chosen).size !== chosen.length) {
      problems.push(`${spec.listVariable}: each provider may appear once`);
    } else if (chosen.includes("none") && chosen.length > 1) {
      problems.push(`${spec.listVariable}: none cannot be combined with providers`);
    }
    if (single && problems.length === 0 && single.toLowerCase() !== chosen[0]) {
      problems.push(`${spec.singleVariable} disagrees with ${spec.listVariable}, which starts with ${chosen[0]}: set only ${spec.listVariable}`);
    }
  } else if (single) {
    source = spec.singleVariable;
    chosen = [single.toLowerCase()];
    if (!choices.includes(chosen[0]!)) problems.push(`${spec.singleVariable}: use ${listOfChoices(choices)}${quote(spec.singleVariable, single)}`);
  } else {
    source = spec.singleVariable;
    const configured = spec.providers
      .filter((definition) => !malformed.has(definition.id) && definition.autoSelect(settingsById.get(definition.id)))
      .map((d) => d.id);
    chosen = spec.chainsConfigured ? configured : configured.slice(0, 1);
  }
  if (problems.length > 0) return { chain: { providers: [] }, problems };
  if (chosen.includes("none")) return { chain: { providers: [] }, problems };
  const lastResort = new Set<string>();
  if (source !== spec.listVariable && chosen.length > 0) {
    for (const id of spec.lastResort ?? []) {
      if (chosen.includes(id)) continue;
      chosen.push(id);
      lastResort.add(id);
    }
  }

  const providers: Array<ResolvedProvider<Instance, Context>> = [];
  for (const [index, id] of chosen.entries()) {
    const definition = spec.providers.find((p) => p.id === id)!;
    if (malformed.has(id)) continue;
    const role: ChainRole = index === 0 ? "primary" : "fallback";
    const settings = role === "primary" ? settingsById.get(id) : parse(definition, role);
    const missing = definition.missing(settings);
    if (missing) {
      // A last resort that cannot serve is simply left out; a provider somebody asked for is a problem.
      if (lastResort.has(id)) continue;
      problems.push(source === spec.listVariable ? `${spec.listVariable} lists ${id}, which ${missing}` : `${spec.singleVariable}=${id} ${missing}`);
      continue;
    }
    providers.push({ id, role, settings, definition, lastResort: lastResort.has(id) });
  }
  return { chain: { providers }, problems };
}

import { readFileSync } from "node:fs";
import { z } from "zod";
import type { CrisisKind } from "../perception/crisis-rules.js";
import defaults from "./crisis-lines.json" with { type: "json" };

/**
 * Where to point someone in danger, by country: the emergency number and crisis lines. The defaults
 * (crisis-lines.json) cover a few countries and an international fallback; an operator replaces or adds
 * countries with CRISIS_RESOURCES_FILE (the same shape), checked at start-up.
 */
const resourcesSchema = z.strictObject({
  emergency: z.string().min(1).max(100),
  lines: z.array(z.strictObject({ name: z.string().min(1).max(200), contact: z.string().min(1).max(200) })).max(10),
});
const fileSchema = z.strictObject({
  international: resourcesSchema.optional(),
  countries: z
    .record(z.string(), resourcesSchema)
    .refine((countries) => Object.keys(countries).every((code) => /^[A-Z]{2}$/.test(code)), {
      error: "country codes are two capital letters (ISO 3166-1), such as PT",
    })
    .default({}),
});

export type Resources = z.infer<typeof resourcesSchema>;

/** Time zones that name one country, for people who never said where they live (a hint, not a guess at identity). */
const ZONE_COUNTRY: Record<string, string> = {
  "America/New_York": "US",
  "America/Chicago": "US",
  "America/Denver": "US",
  "America/Los_Angeles": "US",
  "America/Phoenix": "US",
  "America/Anchorage": "US",
  "Pacific/Honolulu": "US",
  "America/Toronto": "CA",
  "America/Vancouver": "CA",
  "America/Edmonton": "CA",
  "America/Winnipeg": "CA",
  "America/Halifax": "CA",
  "Europe/London": "GB",
  "Europe/Dublin": "IE",
  "Australia/Sydney": "AU",
  "Australia/Melbourne": "AU",
  "Australia/Brisbane": "AU",
  "Australia/Perth": "AU",
  "Australia/Adelaide": "AU",
  "Pacific/Auckland": "NZ",
  "Europe/Paris": "FR",
  "Europe/Berlin": "DE",
  "Europe/Madrid": "ES",
  "Europe/Amsterdam": "NL",
  "Europe/Lisbon": "PT",
  "America/Sao_Paulo": "BR",
  "Asia/Kolkata": "IN",
};

export class CrisisResources {
  private constructor(
    private readonly international: Resources,
    private readonly countries: Record<string, Resources>,
  ) {}

  /** The built-in lines, with the operator's file (when given) laid over them country by country. */
  static load(file?: string): CrisisResources {
    const base = fileSchema.parse(defaults);
    if (!file) return new CrisisResources(base.international!, base.countries);
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
    } catch (error) {
      const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : (error as Error).message;
      throw new Error(`CRISIS_RESOURCES_FILE ${file}: ${detail}`, { cause: error });
    }
    return new CrisisResources(parsed.international ?? base.international!, { ...base.countries, ...parsed.countries });
  }

  /** The person's country when known (their setting, else their time zone), or the international default. */
  forPerson(country: string | null | undefined, timezone: string): Resources & { country: string | null } {
    const code = country?.toUpperCase() ?? ZONE_COUNTRY[timezone] ?? null;
    const found = code ? this.countries[code] : undefined;
    return found ? { ...found, country: code } : { ...this.international, country: null };
  }
}

/** One sentence naming the help to reach now, in plain words (it is also spoken aloud). */
export function helpSentence(resources: Resources, kind: CrisisKind): string {
  const lines = resources.lines.map((l) => `${l.name}: ${l.contact}`).join("; ");
  const danger = kind === "medical" ? "Please call" : "If you might act on this or are in danger, please call";
  const line = kind === "medical" ? "" : lines ? ` You can also reach ${lines}, any time.` : "";
  return `${danger} ${resources.emergency} now.${line} You don't have to go through this alone.`;
}

/** True when a reply already points to real help (the emergency number or one of the lines). */
export function mentionsHelp(reply: string, resources: Resources): boolean {
  const digits = (s: string) => s.replace(/[^0-9]/g, "");
  const replyDigits = digits(reply);
  const numbers = [resources.emergency, ...resources.lines.map((l) => l.contact)].map(digits).filter((d) => d.length >= 3);
  return numbers.some((n) => replyDigits.includes(n)) || resources.lines.some((l) => reply.toLowerCase().includes(l.contact.toLowerCase()));
}

/** The built-in lines, for graphs run without an operator's file (tests of single nodes). */
export const BUILT_IN_RESOURCES = CrisisResources.load();

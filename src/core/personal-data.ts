import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "./errors.js";
import type { Logger } from "./logger.js";

/**
 * A store that holds something of a person: it can hand all of it over (never secrets or hashes) and
 * erase all of it. `exportUser` may return an AsyncIterable to stream a long list item by item (the
 * export writes it as a JSON array without holding it whole). `eraseUser` must be idempotent: erasing
 * what is already gone succeeds.
 */
export interface PersonalDataHolder {
  readonly name: string;
  exportUser(userId: string): Promise<unknown>;
  eraseUser(userId: string): Promise<void>;
}

/** Erasure could not finish: what is left is named, and asking again (it is idempotent) retries exactly that. */
export class ErasureIncomplete extends AppError {
  constructor(readonly remaining: string[]) {
    super(503, "erasure_incomplete", "Some of your data could not be erased just now. Nothing was hidden: ask again to finish erasing it.", { remaining });
  }
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

const ERASE_ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

/**
 * Every store holding a person's data, registered by the composition root in the order erasure must
 * follow (what could write into another store goes first: queued memory writes before the memories).
 * Registering a store is one line: `personalData.register(store)` (or `register({ name, exportUser, eraseUser })`).
 */
export class PersonalDataRegistry {
  private readonly holders: PersonalDataHolder[] = [];

  constructor(private readonly logger: Logger) {}

  register(holder: PersonalDataHolder): this {
    if (this.holders.some((h) => h.name === holder.name)) throw new Error(`a personal-data holder named "${holder.name}" is already registered`);
    this.holders.push(holder);
    return this;
  }

  get names(): string[] {
    return this.holders.map((h) => h.name);
  }

  /** Each holder's export in registration order, as [name, data] (data possibly an AsyncIterable). */
  async *exportUser(userId: string): AsyncGenerator<[name: string, data: unknown]> {
    for (const holder of this.holders) yield [holder.name, await holder.exportUser(userId)];
  }

  /**
   * Erases the person from every holder, in order. A holder that fails is retried (a few times, briefly);
   * the others still run. If any remains, ErasureIncomplete names them: never a silent partial erasure.
   */
  async eraseUser(userId: string): Promise<void> {
    const remaining: string[] = [];
    for (const holder of this.holders) {
      for (let attempt = 1; ; attempt++) {
        try {
          await holder.eraseUser(userId);
          break;
        } catch (error) {
          this.logger.warn("erasing personal data failed", { holder: holder.name, attempt, error: (error as Error).message });
          if (attempt >= ERASE_ATTEMPTS) {
            remaining.push(holder.name);
            break;
          }
          await sleep(RETRY_DELAY_MS * attempt);
        }
      }
    }
    if (remaining.length > 0) {
      this.logger.error("erasure incomplete: the person's data remains in some stores until they ask again", { remaining });
      throw new ErasureIncomplete(remaining);
    }
    this.logger.info("personal data erased", { holders: this.holders.length });
  }
}

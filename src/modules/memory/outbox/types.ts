import type { PersonalDataHolder } from "../../../core/personal-data.js";

/** One message waiting to be analysed and, if worth it, remembered. */
export interface MemoryJob {
  userId: string;
  sessionId: string;
  message: string;
  /** Ids of the memories recalled for this message: the analysis dedupes against them. */
  recalledIds: string[];
  /** The person's IANA time zone, for what "yesterday" in the message meant (UTC when absent). */
  timeZone?: string;
}

export interface QueuedMemoryJob extends MemoryJob {
  id: number;
  attempts: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

/**
 * The durable queue behind memory writes. A job is claimed (hidden from other passes, here or on other
 * instances) under a claim token with a short lease that its owner renews while it works, and stays
 * queued until it is completed or forgotten, so a crash or an outage delays a memory instead of losing
 * it: a claim whose process died lapses with its lease (SQLite: at once, when the file is reopened).
 */
export interface MemoryOutbox extends PersonalDataHolder {
  /** Queues a job, already claimed under `claim` until `claimedUntil`. */
  add(job: MemoryJob, now: number, claimedUntil: number, claim: string): Promise<QueuedMemoryJob>;
  /** Claims up to `limit` jobs due at `now` under `claim` until `claimedUntil`, oldest first. */
  claimDue(now: number, claimedUntil: number, limit: number, claim: string): Promise<QueuedMemoryJob[]>;
  /** Extends the lease of every job still held under `claim` (the owner's heartbeat). */
  renew(claim: string, claimedUntil: number): Promise<void>;
  /** False once the job was completed or its user forgotten. */
  isQueued(id: number): Promise<boolean>;
  complete(id: number): Promise<void>;
  /** Releases the job's claim and makes it due again at `at`. */
  retryAt(id: number, attempts: number, at: number, error: string): Promise<void>;
  /** Drops every queued job of this user; returns how many. */
  forgetUser(userId: string): Promise<number>;
  /** The user's messages still waiting to be analysed (their data export). */
  exportUser(userId: string): Promise<Array<{ session_id: string; message: string; queued_at: string }>>;
  /** Same as forgetUser, as a personal-data holder. */
  eraseUser(userId: string): Promise<void>;
  pending(): Promise<number>;
}

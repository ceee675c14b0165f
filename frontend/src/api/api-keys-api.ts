import { requestJson } from "./http";

/** An API key as Rose lists it: never its secret. */
export interface ApiKey {
  id: string;
  name: string;
  /** The secret's first characters, to tell keys apart. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

/** A key just created: the one time its secret is shown. */
export interface CreatedApiKey extends ApiKey {
  secret: string;
}

export const listApiKeys = (signal?: AbortSignal) => requestJson<{ api_keys: ApiKey[] }>("GET", "/me/api-keys", undefined, signal).then((b) => b.api_keys);
export const createApiKey = (name: string) => requestJson<CreatedApiKey>("POST", "/me/api-keys", { name });
export const revokeApiKey = (id: string) => requestJson<void>("DELETE", `/me/api-keys/${encodeURIComponent(id)}`);

import { applyScriptedFailure, type Exchange, sendJson } from "./exchange.js";
import { responseDelay, sleep } from "./pacing.js";

/**
 * Static catalogue and health endpoints: model lists, ElevenLabs voices and user. Shapes are
 * complete enough to pass the ElevenLabs SDK's response validation (client.user.get() and
 * client.voices.getAll() parse strictly), not just a bare fetch.
 */

const OPENAI_MODELS = [
  "gpt-4.1-mini",
  "gpt-4.1-nano",
  "gpt-4o-mini",
  "gpt-4o",
  "whisper-1",
  "gpt-4o-mini-transcribe",
  "tts-1",
  "gpt-4o-mini-tts",
  "text-embedding-3-small",
];
const GROQ_MODELS = [
  "openai/gpt-oss-120b",
  "openai/gpt-oss-20b",
  "llama-3.1-8b-instant",
  "llama-3.3-70b-versatile",
  "whisper-large-v3-turbo",
  "whisper-large-v3",
];
const ELEVENLABS_MODELS = ["eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_multilingual_v2"];

const VOICES = [
  { voice_id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", category: "premade" },
  { voice_id: "EXAVITQu4vr4xnSDxMaL", name: "Sarah", category: "premade" },
];

function modelList(owner: string, ids: string[]) {
  return { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: owner })) };
}

function elevenLabsUser() {
  return {
    user_id: "sim-user",
    workspace_id: "sim-workspace",
    first_name: "Simulated",
    is_new_user: false,
    can_use_delayed_payment_methods: false,
    is_onboarding_completed: true,
    is_onboarding_checklist_completed: true,
    created_at: 1_700_000_000,
    seat_type: "workspace_admin",
    subscription: {
      tier: "free",
      character_count: 0,
      character_limit: 10_000,
      max_credit_limit_extension: 0,
      can_extend_character_limit: false,
      allowed_to_extend_character_limit: false,
      voice_slots_used: 0,
      professional_voice_slots_used: 0,
      professional_voice_slots_used_in_workspace: 0,
      voice_limit: 3,
      voice_add_edit_counter: 0,
      professional_voice_limit: 0,
      can_extend_voice_limit: false,
      can_use_instant_voice_cloning: false,
      can_use_professional_voice_cloning: false,
      current_overage: { amount: "0", currency: "usd" },
      status: "free",
    },
  };
}

function payloadFor(ex: Exchange): unknown {
  const path = ex.url.pathname;
  if (ex.endpoint === "user") return elevenLabsUser();
  if (ex.endpoint === "voices") {
    return path.startsWith("/v2/") ? { voices: VOICES, has_more: false, total_count: VOICES.length } : { voices: VOICES };
  }
  // models
  if (ex.provider === "elevenlabs") return ELEVENLABS_MODELS.map((model_id) => ({ model_id, name: model_id }));
  return ex.provider === "groq" ? modelList("groq", GROQ_MODELS) : modelList("openai", OPENAI_MODELS);
}

export async function handleCatalog(ex: Exchange): Promise<void> {
  const rule = ex.pick({});
  if (await applyScriptedFailure(ex, rule)) return;
  await sleep(responseDelay(rule?.latency), ex.signal);
  sendJson(ex, 200, payloadFor(ex), { dropMidway: rule?.fail?.dropMidStream === true });
}

// Fills a database (already migrated by openDatabase, so the real schema) with a history of usage:
// `rows` usage rows over `days` days up to now, from `users` members in `guilds` servers, and the
// ledger row each admitted attempt leaves. Written directly in SQL, in one transaction with prepared
// statements, because going through UsageLog.start/finish would take minutes for a million rows.
// The schema's triggers (migration 6) still run on every insert, keeping the all-time usage totals
// and the per-day budget totals as the bot's own writes would.
//
// Shape of the history (deterministic: a fixed PRNG seed):
//   users    activity skewed like real servers: user k is picked with weight ~ 1/sqrt(k), so the
//            busiest member has ~3 % of all rows and most members a few hundred;
//   guilds   each member has a home server (k mod guilds); 8 % of their rows elsewhere, 2 % in DMs;
//   outcome  88 % success, 5 % content_policy, 3 % timeout, 2 % upstream, 1 % invalid_input, 1 % blocked;
//   ledger   one row per admitted attempt (not invalid_input/blocked): committed, committed and
//            possibly billed (timeout), or refunded (content_policy, upstream).
import type { Database } from '../../src/storage/database.js';

const DAY_MS = 86_400_000;
const DISCORD_EPOCH = 1_420_070_400_000n;

export interface SeedShape {
  rows: number;
  users: number;
  guilds: number;
  days: number;
  now: number;
}

/** mulberry32: small, fast, and the same sequence on every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const userId = (index: number): string => String(400_000_000_000_000_000n + BigInt(index));
export const guildId = (index: number): string => String(500_000_000_000_000_000n + BigInt(index));
/** The member a request comes from, with the skew described above. */
export const pickUser = (random: () => number, users: number): number => Math.min(users - 1, Math.floor(random() ** 2 * users));

/** A snowflake with this timestamp, as Discord gives interactions. */
export function snowflake(at: number, sequence: number): string {
  return String(((BigInt(at) - DISCORD_EPOCH) << 22n) | BigInt(sequence % 4_194_304));
}

const PROMPTS = [
  'a lighthouse on a cliff at dusk, warm light',
  'portrait of an old fisherman, dramatic lighting, 85mm, shallow depth of field',
  'isometric pixel art of a cozy ramen shop at night, neon signs, rain',
  '一只在樱花树下睡觉的橘猫,水彩风格',
  'a watercolor map of an imaginary archipelago with small villages, ships and sea monsters, labelled in an old hand',
  'product photo of a ceramic coffee mug on a wooden table, soft morning light, minimalist',
  'a cyberpunk city street seen from above, flying cars, reflections on wet asphalt, volumetric fog, highly detailed, cinematic composition, 16:9',
  'logo for a hiking club: a mountain and a pine tree, flat vector, two colours',
  'children book illustration of a fox and a rabbit sharing an umbrella in the rain, soft pastel colours, gentle, friendly, detailed fur',
  'studio ghibli style landscape with rolling hills, a small red-roofed house, clouds, summer afternoon --ar 16:9',
];

const MODELS = [
  { id: 'gpt-image-2', share: 0.5, cost: 0.03, size: '1024x1024' },
  { id: 'flux-2-pro', share: 0.3, cost: 0.03, size: '1024x1024' },
  { id: 'flux-kontext-pro', share: 0.2, cost: 0.035, size: '16:9' },
] as const;

type Outcome = 'success' | 'content_policy' | 'timeout' | 'upstream' | 'invalid_input' | 'blocked';
function pickOutcome(r: number): Outcome {
  if (r < 0.88) return 'success';
  if (r < 0.93) return 'content_policy';
  if (r < 0.96) return 'timeout';
  if (r < 0.98) return 'upstream';
  if (r < 0.99) return 'invalid_input';
  return 'blocked';
}

export function seedHistory(db: Database, shape: SeedShape): void {
  const random = prng(20261120);
  const insertUsage = db.prepare(`
    INSERT INTO usage (interaction_id, source, user_id, guild_id, channel_id, locale, model, size_requested,
                       size_effective, params, prompt, outcome, error_kind, error_message, relay, request_id,
                       image_count, bytes, latency_ms, estimated_cost, seed, message_id, message_channel_id,
                       started_at, finished_at)
    VALUES (@interaction_id, 'discord', @user_id, @guild_id, @channel_id, @locale, @model, @size_requested,
            @size_effective, @params, @prompt, @outcome, @error_kind, @error_message, 'default', @request_id,
            @image_count, @bytes, @latency_ms, @estimated_cost, @seed, @message_id, @channel_id,
            @started_at, @finished_at)`);
  const insertLedger = db.prepare(`
    INSERT INTO ledger (key, guild_id, user_id, state, images, cost_micros, reserved_images, reserved_cost_micros,
                        possibly_billed, refund_reason, created_at, settled_at)
    VALUES (@key, @guild_id, @user_id, @state, @images, @cost_micros, 1, @reserved_cost_micros,
            @possibly_billed, @refund_reason, @created_at, @settled_at)`);

  const start = shape.now - shape.days * DAY_MS;
  const step = (shape.days * DAY_MS) / shape.rows;
  const fill = db.transaction(() => {
    for (let i = 0; i < shape.rows; i++) {
      const user = pickUser(random, shape.users);
      const where = random();
      const guild = where < 0.02 ? null : where < 0.1 ? guildId(Math.floor(random() * shape.guilds)) : guildId(user % shape.guilds);
      const modelDraw = random();
      const model = modelDraw < MODELS[0].share ? MODELS[0] : modelDraw < MODELS[0].share + MODELS[1].share ? MODELS[1] : MODELS[2];
      const outcome = pickOutcome(random());
      const startedAt = Math.floor(start + (i + random()) * step);
      const latency = outcome === 'invalid_input' || outcome === 'blocked' ? 0 : Math.floor(5_000 + random() * 60_000);
      const id = snowflake(startedAt, i);
      const ok = outcome === 'success';
      const billed = ok || outcome === 'timeout';
      const seed = model.id === 'gpt-image-2' ? null : Math.floor(random() * 2 ** 31);
      insertUsage.run({
        interaction_id: id,
        user_id: userId(user),
        guild_id: guild,
        channel_id: guild === null ? snowflake(start - DAY_MS, user) : snowflake(start - DAY_MS, 1_000_000 + (user % 7)),
        locale: user % 5 === 0 ? 'zh-CN' : 'en-US',
        model: model.id,
        size_requested: random() < 0.4 ? model.size : null,
        size_effective: model.size,
        params: JSON.stringify(seed === null ? { quality: 'high' } : { seed, safetyTolerance: 2 }),
        prompt: PROMPTS[Math.floor(random() * PROMPTS.length)] as string,
        outcome,
        error_kind: ok ? null : outcome === 'blocked' ? null : outcome,
        error_message: ok || outcome === 'blocked' ? null : `relay said no (${outcome})`,
        request_id: latency > 0 ? `req_${i.toString(36)}` : null,
        image_count: ok ? 1 : null,
        bytes: ok ? 1_500_000 + Math.floor(random() * 1_500_000) : null,
        latency_ms: latency,
        estimated_cost: billed ? model.cost : 0,
        seed,
        message_id: ok ? snowflake(startedAt + latency, i) : null,
        started_at: startedAt,
        finished_at: startedAt + latency,
      });
      if (outcome === 'invalid_input' || outcome === 'blocked') continue;
      const micros = Math.round(model.cost * 1_000_000);
      insertLedger.run({
        key: id,
        guild_id: guild,
        user_id: userId(user),
        state: billed ? 'committed' : 'refunded',
        images: 1,
        cost_micros: micros,
        reserved_cost_micros: micros,
        possibly_billed: outcome === 'timeout' ? 1 : 0,
        refund_reason: billed ? null : outcome,
        created_at: startedAt,
        settled_at: startedAt + latency,
      });
    }
  });
  fill.immediate();
}

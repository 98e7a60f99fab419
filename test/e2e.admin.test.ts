// /imagine-admin through the real bot process (dist/src/main.js) against the Discord and relay
// fakes: the run-time permission check, every kind of policy change (stored in SQLite, audited and
// posted to the log channel), localised refusals of invalid values, the usage view and CSV export
// after real /imagine runs, and the command definition `npm run register` sends.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake } from './fakes/discord/index.js';
import { DEFAULT_MEMBER_PERMISSIONS } from './fakes/discord/payloads.js';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/types.js';
import { REPO_ROOT } from './helpers/botProcess.js';
import { startWorld, type World } from './helpers/world.js';

const run = promisify(execFile);

const EPHEMERAL = 64;
const LOADING = 128;
const MANAGE_GUILD = 1n << 5n;
const ADMIN_PERMISSIONS = (BigInt(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_GUILD).toString();
const HAN = /\p{Script=Han}/u;

const ADMIN: FakeUser = { id: '500000000000000001', username: 'admin' };
const TARGET: FakeUser = { id: '500000000000000099', username: 'troublemaker' };
/** Above 2^53: a number would lose its last digits. */
const ROLE_ID = '987654321098765432';

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });
const int = (name: string, value: number): InteractOption => ({ name, type: 4, value });
const num = (name: string, value: number): InteractOption => ({ name, type: 10, value });
const bool = (name: string, value: boolean): InteractOption => ({ name, type: 5, value });
const channel = (name: string, value: string): InteractOption => ({ name, type: 7, value });
const role = (name: string, value: string): InteractOption => ({ name, type: 8, value });
const user = (name: string, value: string): InteractOption => ({ name, type: 6, value });

/** `models allow` → the group/subcommand option tree Discord sends. */
function commandOptions(path: string, options: InteractOption[]): InteractOption[] {
  const [first, second] = path.split(' ') as [string, string | undefined];
  const leaf = (name: string): InteractOption => ({ name, type: 1, options });
  return second === undefined ? [leaf(first)] : [{ name: first, type: 2, options: [leaf(second)] }];
}

interface Embed {
  title?: string;
  description?: string;
  fields?: Array<{ name: string; value: string }>;
  footer?: { text: string };
}
const embedsOf = (message: FakeMessage | undefined): Embed[] => (message?.embeds ?? []) as Embed[];
/** Everything a user reads in a reply: content, embed titles, descriptions and fields. */
function textOf(message: FakeMessage | undefined): string {
  const parts = [message?.content ?? ''];
  for (const embed of embedsOf(message)) {
    parts.push(embed.title ?? '', embed.description ?? '', embed.footer?.text ?? '');
    for (const field of embed.fields ?? []) parts.push(field.name, field.value);
  }
  return parts.join('\n');
}

/** A minimal RFC 4180 reader (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('/imagine-admin end to end (real bot process)', () => {
  let world: World;
  let logChannelId: string;

  beforeAll(async () => {
    world = await startWorld();
    logChannelId = world.discord.nsfwChannelId;
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Runs an /imagine-admin subcommand; resolves with the final (ephemeral) answer. */
  async function admin(
    path: string,
    options: InteractOption[] = [],
    extra: { locale?: string; user?: FakeUser; permissions?: string } = {},
  ): Promise<{ handle: InteractionHandle; message: FakeMessage; text: string }> {
    const handle = world.discord.interact({
      name: 'imagine-admin',
      options: commandOptions(path, options),
      user: extra.user ?? ADMIN,
      memberPermissions: extra.permissions ?? ADMIN_PERMISSIONS,
      ...(extra.locale ? { locale: extra.locale } : {}),
    });
    const ack = await handle.waitForCallback(3_000);
    expect([4, 5]).toContain(ack.type);
    await handle.waitFor((state) => state.original !== undefined && (state.original.flags & LOADING) === 0, 10_000);
    const message = handle.original()!;
    expect(message.flags & EPHEMERAL, 'every /imagine-admin answer is ephemeral').toBe(EPHEMERAL);
    return { handle, message, text: textOf(message) };
  }

  function query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(world.dbPath, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const policyRow = () => query<Record<string, unknown>>('SELECT * FROM guild_policy WHERE guild_id = ?', world.discord.guildId)[0];
  const auditRows = () =>
    query<{ id: number; actor_id: string; action: string; detail: string }>('SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id', world.discord.guildId);
  const lastAudit = () => auditRows().at(-1);
  const logMessages = () => world.discord.channelMessages(logChannelId).filter((message) => !message.deleted);

  /** Waits for the log channel to hold more than `count` messages; returns the newest. */
  async function nextLogMessage(count: number): Promise<FakeMessage> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const messages = logMessages();
      if (messages.length > count) return messages.at(-1)!;
      await sleep(25);
    }
    throw new Error('nothing was posted to the log channel');
  }

  /**
   * Runs a change and checks it was audited (one new row, by the admin, with `action`) and posted
   * to the log channel; returns the answer, the audit detail and the log post.
   */
  async function change(path: string, options: InteractOption[], action: string, extra: { locale?: string } = {}) {
    const auditBefore = auditRows().length;
    const logBefore = logMessages().length;
    const answer = await admin(path, options, extra);
    const rows = auditRows();
    expect(rows, `${path}: one audit row`).toHaveLength(auditBefore + 1);
    const row = rows.at(-1)!;
    expect(row.action).toBe(action);
    expect(row.actor_id).toBe(ADMIN.id);
    const post = await nextLogMessage(logBefore);
    expect(post.content).toContain(`<@${ADMIN.id}>`);
    return { ...answer, detail: JSON.parse(row.detail) as Record<string, unknown>, post };
  }

  /** Runs something that must change nothing: no audit row, no log post. */
  async function noChange(path: string, options: InteractOption[], extra: { locale?: string; permissions?: string; user?: FakeUser } = {}) {
    const auditBefore = auditRows().length;
    const policyBefore = JSON.stringify(policyRow() ?? null);
    const logBefore = logMessages().length;
    const answer = await admin(path, options, extra);
    await sleep(200);
    expect(auditRows(), `${path}: no audit row`).toHaveLength(auditBefore);
    expect(JSON.stringify(policyRow() ?? null)).toBe(policyBefore);
    expect(logMessages()).toHaveLength(logBefore);
    return answer;
  }

  describe('usage view and CSV export after /imagine runs', () => {
    const alice: FakeUser = { id: '412345678901234567', username: 'alice' };
    const bob: FakeUser = { id: '498765432109876543', username: 'bob' };
    const trickyPrompt = '=HYPERLINK("http://x"), a "quoted" cat, 猫';

    async function imagine(prompt: string, model: string, who: FakeUser) {
      const handle = world.discord.interact({ name: 'imagine', user: who, options: [str('prompt', prompt), str('model', model)] });
      await handle.waitForCallback(3_000);
      await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 || (state.original?.embeds.length ?? 0) > 0, 20_000);
      // The row is finished just after the delivery.
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && world.usageRows().find((row) => row.interaction_id === handle.id)?.outcome === 'pending') await sleep(25);
      return handle;
    }

    beforeAll(async () => {
      await imagine('a red fox', 'gpt-image-2', alice);
      await imagine(trickyPrompt, 'flux-2-pro', alice);
      await imagine('a blue whale', 'flux-2-pro', bob);
    }, 60_000);

    it('usage today: totals, top users as mentions and per model, in the admin’s language', async () => {
      const rows = world.usageRows().filter((row) => row.outcome === 'success');
      expect(rows).toHaveLength(3);
      const images = rows.reduce((sum, row) => sum + Number(row.image_count), 0);
      const { message, text } = await admin('usage', [str('period', 'today')]);
      const [embed] = embedsOf(message);
      expect(embed?.title).toMatch(/Today/);
      expect(text).toContain(`${images} images from 3 attempts by 2 users`);
      const top = embed?.fields?.find((field) => field.name === 'Top users')?.value ?? '';
      expect(top).toContain(`<@${alice.id}>`);
      expect(top).toContain(`<@${bob.id}>`);
      const byModel = embed?.fields?.find((field) => field.name === 'By model')?.value ?? '';
      expect(byModel).toMatch(/`flux-2-pro`: 2 images, 2 attempts/);
      expect(byModel).toMatch(/`gpt-image-2`: 1 image, 1 attempt/);

      const zh = await admin('usage', [str('period', 'month')], { locale: 'zh-CN' });
      expect(zh.text).toMatch(/本服务器生图用量/);
      expect(zh.text).toContain('用量最多的用户');
    });

    it('export: usage-<guild>-<period>.csv with one row per attempt, ids as text, prompts escaped and formula-safe', async () => {
      const { message } = await admin('export', [str('period', 'today')]);
      expect(message.attachments).toHaveLength(1);
      const file = message.attachments[0]!;
      expect(file.filename).toBe(`usage-${world.discord.guildId}-today.csv`);
      const text = file.bytes.toString('utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const [header, ...lines] = parseCsv(text.slice(1));
      expect(header).toEqual(['time', 'user_id', 'channel_id', 'model', 'size', 'outcome', 'images', 'cost_usd', 'request_id', 'interaction_id', 'prompt']);
      const usage = world.usageRows().filter((row) => row.guild_id === world.discord.guildId && row.outcome !== 'invalid_input');
      expect(lines).toHaveLength(usage.length);
      const col = (name: string) => header!.indexOf(name);
      for (const line of lines) {
        expect(line).toHaveLength(header!.length);
        const row = usage.find((candidate) => candidate.interaction_id === line[col('interaction_id')]);
        expect(row, 'each CSV row is an attempt of the usage log').toBeDefined();
        expect(line[col('user_id')]).toBe(row!.user_id);
        expect(line[col('channel_id')]).toBe(row!.channel_id);
        expect(line[col('request_id')]).toBe(row!.request_id ?? '');
        expect(line[col('model')]).toBe(row!.model);
        expect(line[col('outcome')]).toBe(row!.outcome);
        expect(Number(line[col('images')])).toBe(row!.image_count);
        expect(Number(line[col('cost_usd')])).toBeCloseTo(Number(row!.estimated_cost), 6);
        expect(new Date(line[col('time')]!).getTime()).toBe(row!.started_at);
      }
      const ids = lines.map((line) => line[col('user_id')]);
      expect(ids).toContain(alice.id);
      expect(ids).toContain(bob.id);
      const prompts = lines.map((line) => line[col('prompt')]);
      // The prompt as stored (the inline-parameter parser may have normalised it), behind a '.
      const stored = String(usage.find((row) => String(row.prompt).startsWith('=HYPERLINK'))?.prompt);
      expect(prompts).toContain(`'${stored}`);
      expect(stored).toContain('"quoted"');
      expect(prompts).toContain('a blue whale');
      const total = lines.reduce((sum, line) => sum + Number(line[col('cost_usd')]), 0);
      const expected = usage.reduce((sum, row) => sum + Number(row.estimated_cost ?? 0), 0);
      expect(total).toBeCloseTo(expected, 6);
    });

    it('export of the last 7 days holds today’s attempts too', async () => {
      const { message } = await admin('export', [str('period', 'week')]);
      const rows = parseCsv(message.attachments[0]!.bytes.toString('utf8').slice(1));
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(message.attachments[0]!.filename).toBe(`usage-${world.discord.guildId}-week.csv`);
    });
  });

  describe('permissions', () => {
    it('a member without Manage Server is refused at run time, and nothing changes', async () => {
      const answer = await noChange('cooldown set', [int('seconds', 60)], { permissions: DEFAULT_MEMBER_PERMISSIONS, user: TARGET });
      expect(answer.text).toMatch(/Manage Server/);
      const zh = await noChange('show', [], { permissions: DEFAULT_MEMBER_PERMISSIONS, user: TARGET, locale: 'zh-CN' });
      expect(zh.text).toMatch(/管理服务器/);
      expect(zh.message.embeds).toHaveLength(0);
    });

    it('Administrator implies Manage Server', async () => {
      const answer = await admin('show', [], { permissions: (BigInt(DEFAULT_MEMBER_PERMISSIONS) | 8n).toString() });
      expect(embedsOf(answer.message)[0]?.title).toBe('Image policy of this server');
    });
  });

  describe('policy changes: stored, audited, posted to the log channel', () => {
    it('logchannel set: stored, and the change itself is posted there', async () => {
      const before = logMessages().length;
      const answer = await admin('logchannel set', [channel('channel', logChannelId)]);
      expect(answer.text).toContain(`<#${logChannelId}>`);
      expect(policyRow()?.log_channel_id).toBe(logChannelId);
      expect(lastAudit()?.action).toBe('policy.update');
      const post = await nextLogMessage(before);
      expect(post.content).toMatch(/Log channel/);
      expect(post.content).toContain(`<#${logChannelId}>`);
      expect(post.allowed_mentions).toEqual({ parse: [] });
    });

    it('models allow / disallow / reset, checked against the offered models', async () => {
      const allowed = await change('models allow', [str('model', 'FLUX-2-PRO')], 'policy.update');
      expect(policyRow()?.allowed_models).toBe('["flux-2-pro"]');
      expect(allowed.text).toContain('flux-2-pro');
      expect(allowed.post.content).toMatch(/Allowed models: all models → `flux-2-pro`/);

      const last = await noChange('models disallow', [str('model', 'flux-2-pro')]);
      expect(last.text).toMatch(/leave no model allowed/);
      const unknown = await noChange('models allow', [str('model', 'no-such-model')]);
      expect(unknown.text).toMatch(/`no-such-model` is not one of the models this bot offers/);
      const unknownZh = await noChange('models allow', [str('model', 'no-such-model')], { locale: 'zh-CN' });
      expect(unknownZh.text).toMatch(/不是本机器人提供的模型/);

      await change('models reset', [], 'policy.update');
      expect(policyRow()?.allowed_models).toBe('[]');
      // From "every model", disallowing one allows all the others.
      await change('models disallow', [str('model', 'dall-e-3')], 'policy.update');
      const list = JSON.parse(String(policyRow()?.allowed_models)) as string[];
      expect(list).not.toContain('dall-e-3');
      expect(list).toContain('gpt-image-2');
      expect(list.length).toBeGreaterThan(5);
      await change('models reset', [], 'policy.update');
    });

    it('safety set: per kind of channel; ordinary channels stop at 2, with a localised refusal', async () => {
      const nsfw = await change('safety set', [str('channel_kind', 'nsfw'), int('default', 4), int('max', 6)], 'policy.update');
      expect(policyRow()).toMatchObject({ safety_nsfw_default: 4, safety_nsfw_max: 6 });
      expect(nsfw.text).toMatch(/default 4, maximum 6/);
      // FLUX.2 stops at 5: the answer says which models clamp the value.
      expect(nsfw.text).toMatch(/`flux-2-pro` 0–5/);
      const lowered = await change('safety set', [str('channel_kind', 'nsfw'), int('max', 3)], 'policy.update');
      expect(policyRow()).toMatchObject({ safety_nsfw_default: 3, safety_nsfw_max: 3 });
      expect(lowered.text).toMatch(/default 3, maximum 3/);

      const tooLoose = await noChange('safety set', [str('channel_kind', 'normal'), int('max', 4)]);
      expect(tooLoose.text).toMatch(/Maximum safety \(ordinary channels\) must be a whole number from 0 to 2/);
      const tooLooseZh = await noChange('safety set', [str('channel_kind', 'normal'), int('default', 5)], { locale: 'zh-CN' });
      expect(tooLooseZh.text).toContain('默认安全容忍度(普通频道)必须是0 到 2 的整数');
      const nothing = await noChange('safety set', [str('channel_kind', 'normal')]);
      expect(nothing.text).toMatch(/`default`, a `max`/);

      await change('safety set', [str('channel_kind', 'normal'), int('default', 1)], 'policy.update');
      expect(policyRow()).toMatchObject({ safety_normal_default: 1, safety_normal_max: 2 });
    });

    it('words add / list / remove; unusable entries are refused with the reason', async () => {
      const added = await change('words add', [str('entry', 'Forbidden Thing')], 'word.add');
      expect(added.text).toMatch(/Added the blocked word `Forbidden Thing`/);
      expect(added.post.content).toMatch(/added a blocked word/);
      await change('words add', [str('entry', '/sp[a4]m+/i')], 'word.add');
      const stored = query<{ entry: string; kind: string }>('SELECT entry, kind FROM guild_blocked_words WHERE guild_id = ? ORDER BY rowid', world.discord.guildId);
      expect(stored).toEqual([
        { entry: 'Forbidden Thing', kind: 'word' },
        { entry: '/sp[a4]m+/i', kind: 'regex' },
      ]);
      const duplicate = await noChange('words add', [str('entry', 'f.o.r.b.i.d.d.e.n thing')]);
      expect(duplicate.text).toMatch(/Nothing changed/);
      const risky = await noChange('words add', [str('entry', '/(a+)+b/')]);
      expect(risky.text).toMatch(/could freeze the bot/);
      const riskyZh = await noChange('words add', [str('entry', '/(a+)+b/')], { locale: 'zh-CN' });
      expect(riskyZh.text).toMatch(/卡死/);

      const list = await admin('words list');
      expect(list.text).toContain('`Forbidden Thing`');
      expect(list.text).toContain('`/sp[a4]m+/i`');

      await change('words remove', [str('entry', 'FORBIDDEN THING')], 'word.remove');
      const missing = await noChange('words remove', [str('entry', 'never added')]);
      expect(missing.text).toMatch(/not on the list/);
    });

    it('channels allow / disallow / reset and spoiler on / off', async () => {
      const { channelId, nsfwChannelId } = world.discord;
      await change('channels allow', [channel('channel', channelId)], 'policy.update');
      expect(policyRow()?.allowed_channels).toBe(JSON.stringify([channelId]));
      const last = await noChange('channels disallow', [channel('channel', channelId)]);
      expect(last.text).toMatch(/last allowed channel/);
      await change('channels allow', [channel('channel', nsfwChannelId)], 'policy.update');
      await change('channels disallow', [channel('channel', channelId)], 'policy.update');
      expect(policyRow()?.allowed_channels).toBe(JSON.stringify([nsfwChannelId]));
      await change('channels reset', [], 'policy.update');
      expect(policyRow()?.allowed_channels).toBe('[]');
      const unrestricted = await noChange('channels disallow', [channel('channel', channelId)]);
      expect(unrestricted.text).toMatch(/Every channel is allowed/);

      const on = await change('spoiler on', [channel('channel', channelId)], 'policy.update');
      expect(on.text).toMatch(/posted as spoilers/);
      expect(policyRow()?.spoiler_channels).toBe(JSON.stringify([channelId]));
      await noChange('spoiler on', [channel('channel', channelId)]);
      await change('spoiler off', [channel('channel', channelId)], 'policy.update');
      expect(policyRow()?.spoiler_channels).toBe('[]');
    });

    it('quota set / quota role, cooldown, budgets', async () => {
      await change('quota set', [int('images', 5)], 'policy.update');
      expect(policyRow()?.daily_quota).toBe(5);
      const unlimited = await change('quota set', [], 'policy.update');
      expect(policyRow()?.daily_quota).toBeNull();
      expect(unlimited.text).toMatch(/unlimited/);

      const roleSet = await change('quota role', [role('role', ROLE_ID), int('images', 20)], 'role_quota.set');
      expect(roleSet.detail).toEqual({ roleId: ROLE_ID, dailyQuota: 20 });
      expect(roleSet.post.content).toContain(`<@&${ROLE_ID}>`);
      const stored = query<{ role_id: string; daily_quota: number }>('SELECT role_id, daily_quota FROM role_quota WHERE guild_id = ?', world.discord.guildId);
      expect(stored).toEqual([{ role_id: ROLE_ID, daily_quota: 20 }]);
      const conflict = await noChange('quota role', [role('role', ROLE_ID), int('images', 3), bool('clear', true)]);
      expect(conflict.text).toMatch(/not both/);
      await change('quota role', [role('role', ROLE_ID), bool('clear', true)], 'role_quota.clear');
      expect(query('SELECT * FROM role_quota WHERE guild_id = ?', world.discord.guildId)).toEqual([]);

      const cooldown = await change('cooldown set', [int('seconds', 30)], 'policy.update');
      expect(policyRow()?.cooldown_seconds).toBe(30);
      expect(cooldown.text).toMatch(/Cooldown: 30s/);
      expect(cooldown.post.content).toMatch(/Cooldown: none → 30s/);

      const budget = await change('budget set', [num('daily', 5), num('monthly', 100.5)], 'policy.update');
      expect(policyRow()).toMatchObject({ daily_budget_usd: 5, monthly_budget_usd: 100.5 });
      expect(budget.text).toMatch(/Daily budget: \$5\.00 \(spent so far: \$/);
      const empty = await noChange('budget set', []);
      expect(empty.text).toMatch(/Give a `daily` amount/);
      const tooMuch = await noChange('budget set', [num('daily', 5_000_000)]);
      expect(tooMuch.text).toMatch(/Daily budget must be an amount in USD from 0 to 1000000/);
      await change('budget clear', [str('period', 'daily')], 'policy.update');
      expect(policyRow()).toMatchObject({ daily_budget_usd: null, monthly_budget_usd: 100.5 });
    });

    it('block and unblock a member, with a reason', async () => {
      const blocked = await change('block', [user('user', TARGET.id), str('reason', 'spamming')], 'user.block');
      expect(blocked.text).toContain(`<@${TARGET.id}>`);
      expect(blocked.detail).toEqual({ userId: TARGET.id, reason: 'spamming' });
      expect(blocked.post.content).toMatch(/blocked <@500000000000000099> from generating images \(reason: spamming\)/);
      expect(query('SELECT user_id, reason FROM blocked_users WHERE guild_id = ?', world.discord.guildId)).toEqual([{ user_id: TARGET.id, reason: 'spamming' }]);
      const shown = await admin('show');
      expect(shown.text).toContain(`<@${TARGET.id}> (spamming)`);
      await change('unblock', [user('user', TARGET.id)], 'user.unblock');
      expect(query('SELECT * FROM blocked_users WHERE guild_id = ?', world.discord.guildId)).toEqual([]);
      const again = await noChange('unblock', [user('user', TARGET.id)]);
      expect(again.text).toMatch(/is not blocked/);
    });

    it('show: the whole policy, readable, in English and Chinese', async () => {
      const en = await admin('show');
      const [embed] = embedsOf(en.message);
      const field = (name: string) => embed?.fields?.find((f) => f.name === name)?.value;
      expect(field('Allowed models')).toBe('all models');
      expect(field('Safety (age-restricted channels)')).toBe('default 3, maximum 3');
      expect(field('Safety (ordinary channels)')).toBe('default 1, maximum 2');
      expect(field('Cooldown')).toBe('30s');
      expect(field('Log channel')).toBe(`<#${logChannelId}>`);
      expect(field('Budgets')).toMatch(/This month: \$100\.50/);
      expect(field('Blocked words')).toMatch(/^1 entry/);
      expect(embed?.description).toContain(`<@${ADMIN.id}>`);

      const zh = await admin('show', [], { locale: 'zh-CN' });
      const [zhEmbed] = embedsOf(zh.message);
      expect(zhEmbed?.title).toBe('本服务器的生图策略');
      expect(zhEmbed?.fields?.find((f) => f.name === '允许的模型')?.value).toBe('全部模型');
      expect(zhEmbed?.fields?.find((f) => f.name === '冷却时间')?.value).toBe('30 秒');
    });

    it('a change made in Chinese is answered in Chinese; the log post adds the Chinese text to the server’s English', async () => {
      const zh = await change('cooldown set', [int('seconds', 45)], 'policy.update', { locale: 'zh-CN' });
      expect(zh.text).toMatch(/冷却时间:45 秒/);
      expect(zh.post.content).toMatch(/修改了生图策略/);
      expect(zh.post.content).toMatch(/changed the image policy/);
    });

    it('audit: the latest entries, newest first', async () => {
      const { message } = await admin('audit', [int('count', 3)]);
      const description = embedsOf(message)[0]?.description ?? '';
      const entries = description.split('\n\n');
      expect(entries).toHaveLength(3);
      expect(entries[0]).toMatch(/Cooldown: 30s → 45s/);
      expect(entries[1]).toMatch(/unblocked <@500000000000000099>/);
    });

    it('logchannel: an unreachable channel is reported; clear posts to the channel being left', async () => {
      const unknown = await admin('logchannel set', [channel('channel', '123456789012345678')]);
      expect(unknown.text).toMatch(/could not post/);
      expect(policyRow()?.log_channel_id).toBe('123456789012345678');
      await admin('logchannel set', [channel('channel', logChannelId)]);

      const before = logMessages().length;
      const cleared = await admin('logchannel clear');
      expect(cleared.text).toMatch(/no log channel/);
      expect(policyRow()?.log_channel_id).toBeNull();
      const post = await nextLogMessage(before);
      expect(post.content).toMatch(/Log channel: <#\d+> → none/);

      // Without a log channel, changes are still audited, but posted nowhere.
      const posts = logMessages().length;
      const audits = auditRows().length;
      await admin('cooldown set', [int('seconds', 0)]);
      await sleep(300);
      expect(auditRows()).toHaveLength(audits + 1);
      expect(logMessages()).toHaveLength(posts);
    });
  });
});

describe('npm run register: the /imagine-admin definition', () => {
  let discord: DiscordFake;
  let dir: string;
  beforeAll(async () => {
    discord = await startDiscordFake();
    dir = await mkdtemp(join(tmpdir(), 'imagine-admin-register-'));
  });
  afterAll(async () => {
    await discord?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  interface Option {
    name: string;
    type: number;
    description: string;
    description_localizations?: Record<string, string>;
    options?: Option[];
    choices?: unknown[];
  }

  it('is guild-only, needs Manage Server, has localised descriptions and fits Discord’s limits', async () => {
    await run(process.execPath, [join(REPO_ROOT, 'dist/src/register.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DISCORD_TOKEN: discord.token, DISCORD_API_BASE_URL: discord.apiBase, DISCORD_GUILD_ID: discord.guildId },
      timeout: 15_000,
    });
    const commands = discord.registeredCommands(discord.guildId) as Array<Record<string, unknown>>;
    const command = commands.find((c) => c.name === 'imagine-admin') as (Option & Record<string, unknown>) | undefined;
    expect(command).toBeDefined();
    expect(command!.default_member_permissions).toBe(MANAGE_GUILD.toString());
    expect(command!.contexts).toEqual([0]);
    expect((command!.description_localizations as Record<string, string>)['zh-CN']).toMatch(HAN);

    const top = command!.options ?? [];
    expect(top.length).toBeLessThanOrEqual(25);
    const leaves: string[] = [];
    const check = (option: Option, path: string) => {
      expect(option.description.length, path).toBeLessThanOrEqual(100);
      expect(option.description_localizations?.['zh-CN'], path).toMatch(HAN);
      expect(option.description_localizations!['zh-CN']!.length, path).toBeLessThanOrEqual(100);
      expect((option.choices ?? []).length, path).toBeLessThanOrEqual(25);
      if (option.type === 1) leaves.push(path);
      for (const child of option.options ?? []) check(child, `${path} ${child.name}`);
    };
    for (const option of top) check(option, option.name);
    expect(leaves.length).toBeLessThanOrEqual(25);
    expect(leaves).toEqual(
      expect.arrayContaining(['show', 'models allow', 'safety set', 'words add', 'channels allow', 'spoiler on', 'quota set', 'quota role', 'cooldown set', 'budget set', 'block', 'unblock', 'logchannel set', 'usage', 'export', 'audit']),
    );
  });
});

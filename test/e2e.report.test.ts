// The Report button under a result and the moderators' quick actions in the log channel, end to
// end: the real bot process, the real discord.js client, the Discord fake and the relay fake.
// What is asserted is what people see: the reporter's private answer, the report in the log
// channel (embed, copied image, buttons), the moderator's answer and the edited report; and what
// is stored (usage row deleted_at, blocked_users, audit_log, reports).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import { DEFAULT_MEMBER_PERMISSIONS } from './fakes/discord/payloads.js';
import { startWorld, type World } from './helpers/world.js';

const EPHEMERAL = 64;
const LOADING = 128;
const MANAGE_GUILD = 1n << 5n;
const MANAGE_MESSAGES = 1n << 13n;
const PLAIN = DEFAULT_MEMBER_PERMISSIONS;
const CAN_MANAGE_MESSAGES = (BigInt(PLAIN) | MANAGE_MESSAGES).toString();
const CAN_MANAGE_GUILD = (BigInt(PLAIN) | MANAGE_GUILD).toString();

const REQUESTER: FakeUser = { id: '610000000000000001', username: 'requester' };
const REPORTER: FakeUser = { id: '610000000000000002', username: 'reporter' };
const SECOND_REPORTER: FakeUser = { id: '610000000000000003', username: 'second-reporter' };
const MOD: FakeUser = { id: '610000000000000004', username: 'mod' };
const ADMIN: FakeUser = { id: '610000000000000005', username: 'admin' };

type Obj = Record<string, unknown>;
interface Button {
  custom_id: string;
  label: string;
  disabled?: boolean;
}
interface Embed {
  title?: string;
  description?: string;
  image?: { url: string };
  fields?: Array<{ name: string; value: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const buttonsOf = (message: FakeMessage): Button[] =>
  (message.components as Obj[]).flatMap((row) => (row.components as Obj[]) ?? []).filter((c) => c.type === 2) as unknown as Button[];
const field = (embed: Embed, name: string): string | undefined => embed.fields?.find((f) => f.name === name)?.value;

describe('Report button and moderators’ quick actions (real bot process)', () => {
  let world: World;
  let logChannelId: string;

  beforeAll(async () => {
    world = await startWorld();
    logChannelId = world.discord.nsfwChannelId;
  });
  afterAll(async () => {
    await world?.close();
  });

  function query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(world.dbPath, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const usageRow = (id: number) => world.usageRows().find((row) => row.id === id)!;
  const stored = (id: string) => world.discord.channelMessages().find((m) => m.id === id) ?? world.discord.channelMessages(logChannelId).find((m) => m.id === id);
  /** Reports in the log channel (other posts there are audit entries), current state. */
  const reports = () =>
    world.discord.channelMessages(logChannelId).filter((m) => !m.deleted && buttonsOf(m).some((b) => b.custom_id.startsWith('mod:')));
  const logPosts = () => world.discord.channelMessages(logChannelId).filter((m) => !m.deleted);

  async function until<T>(get: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = get();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  async function imagine(prompt: string, extra: { user?: FakeUser; guildId?: null; locale?: string } = {}): Promise<FakeMessage> {
    const handle = world.discord.interact({
      name: 'imagine',
      user: extra.user ?? REQUESTER,
      options: [
        { name: 'prompt', type: 3, value: prompt },
        { name: 'model', type: 3, value: 'flux-2-pro' },
      ],
      ...(extra.guildId === null ? { guildId: null } : {}),
      ...(extra.locale ? { locale: extra.locale } : {}),
    });
    await handle.waitFor((s) => (s.original?.attachments.length ?? 0) > 0 && (s.original?.components.length ?? 0) > 0, 20_000);
    const message = handle.original()!;
    // The bot records where it delivered just after Discord answered.
    const id = rowIdOf(message);
    await until(() => (usageRow(id)?.message_id ? true : undefined), 'the delivered row');
    return message;
  }

  const rowIdOf = (message: FakeMessage): number => Number(buttonsOf(message)[0]!.custom_id.split(':')[2]);
  const idOf = (message: FakeMessage, prefix: string): string => {
    const found = buttonsOf(message).find((b) => b.custom_id.startsWith(prefix));
    if (!found) throw new Error(`no ${prefix} button on ${message.id}: ${JSON.stringify(message.components)}`);
    return found.custom_id;
  };

  /** Clicks (acknowledged within 3 s) and resolves with the final ephemeral answer. */
  async function click(message: FakeMessage, customId: string, opts: { user: FakeUser; locale?: string; memberPermissions?: string }) {
    const handle = world.discord.clickButton(message, customId, opts);
    expect([4, 5]).toContain((await handle.waitForCallback(3_000)).type);
    return { handle, answer: await answerOf(handle) };
  }

  async function answerOf(handle: InteractionHandle): Promise<FakeMessage> {
    await handle.waitFor((s) => s.original !== undefined && (s.original.flags & LOADING) === 0, 15_000);
    const original = handle.original()!;
    expect(original.flags & EPHEMERAL, 'answers are private').toBe(EPHEMERAL);
    return original;
  }

  const report = (message: FakeMessage, user: FakeUser, locale?: string) =>
    click(message, idOf(message, 'img:report:'), { user, ...(locale ? { locale } : {}) });

  async function admin(path: string, options: InteractOption[]): Promise<void> {
    const [group, sub] = path.split(' ') as [string, string];
    const handle = world.discord.interact({
      name: 'imagine-admin',
      user: ADMIN,
      memberPermissions: CAN_MANAGE_GUILD,
      options: [{ name: group, type: 2, options: [{ name: sub, type: 1, options }] }],
    });
    await answerOf(handle);
  }

  it('without a log channel: the reporter is told to contact a moderator, and nothing is posted', async () => {
    const message = await imagine('a cardboard robot');
    const before = logPosts().length;
    const { answer } = await report(message, REPORTER);
    expect(answer.content).toMatch(/no moderation channel/);
    expect(answer.content).toMatch(/contact a moderator/);
    await sleep(200);
    expect(logPosts()).toHaveLength(before);
    expect(query('SELECT * FROM reports')).toEqual([]);

    const zh = await report(message, REPORTER, 'zh-CN');
    expect(zh.answer.content).toMatch(/尚未设置管理频道/);
  });

  it('in a DM: reporting is for servers', async () => {
    const message = await imagine('a cat in a DM', { guildId: null });
    const { answer } = await report(message, REQUESTER);
    expect(answer.content).toMatch(/Reporting is for images posted in a server/);
  });

  describe('with a log channel', () => {
    let message: FakeMessage;
    let rowId: number;
    let firstReport: FakeMessage;

    beforeAll(async () => {
      await admin('logchannel set', [{ name: 'channel', type: 7, value: logChannelId }]);
      message = await imagine('a lighthouse painted on a teacup');
      rowId = rowIdOf(message);
    });

    it('posts the image and its details with two quick actions, and thanks the reporter privately', async () => {
      const before = reports().length;
      const { handle, answer } = await report(message, REPORTER);
      expect(answer.content).toBe('Reported to the moderators. Thank you.');
      // The reporter's answer is private; nothing new in the result's channel.
      expect(handle.state().channelMessages).toEqual([]);

      firstReport = await until(() => (reports().length > before ? reports().at(-1) : undefined), 'the report');
      const row = usageRow(rowId);
      expect(firstReport.content).toContain(`<@${REPORTER.id}> reported an image by <@${REQUESTER.id}>`);
      expect(firstReport.allowed_mentions).toEqual({ parse: [] });

      const embed = (firstReport.embeds as Embed[])[0]!;
      expect(embed.description).toBe('a lighthouse painted on a teacup');
      expect(field(embed, 'Model')).toBe('flux-2-pro');
      expect(field(embed, 'Size')).toBe(row.size_effective);
      expect(field(embed, 'Seed')).toBe(String(row.seed));
      expect(field(embed, 'Requested by')).toBe(`<@${REQUESTER.id}>`);
      expect(field(embed, 'Reported by')).toBe(`<@${REPORTER.id}>`);
      expect(field(embed, 'Usage id')).toBe(String(rowId));
      expect(field(embed, 'Message')).toContain(`https://discord.com/channels/${world.discord.guildId}/${message.channel_id}/${message.id}`);

      // The image itself, copied (it must outlive the original), and shown in the embed.
      expect(firstReport.attachments).toHaveLength(1);
      const [copy] = firstReport.attachments;
      const [original] = message.attachments;
      expect(copy!.filename).toBe(original!.filename);
      expect(copy!.bytes.equals(original!.bytes)).toBe(true);
      expect(embed.image?.url).toContain(copy!.filename);

      const buttons = buttonsOf(firstReport);
      expect(buttons.map((b) => [b.custom_id, b.label])).toEqual([
        [`mod:delete:${rowId}`, 'Delete image'],
        [`mod:block:${rowId}`, 'Block user'],
      ]);
      expect(buttons.every((b) => b.disabled !== true)).toBe(true);
      expect(query('SELECT usage_id, reporter_id, guild_id, message_id FROM reports')).toEqual([
        { usage_id: rowId, reporter_id: REPORTER.id, guild_id: world.discord.guildId, message_id: message.id },
      ]);
    });

    it('a second report by the same member is not posted again', async () => {
      const before = reports().length;
      const { answer } = await report(message, REPORTER);
      expect(answer.content).toMatch(/already reported/);
      await sleep(200);
      expect(reports()).toHaveLength(before);
    });

    it('another member reporting in zh-CN is answered in Chinese (the report itself is in the server’s language)', async () => {
      const before = reports().length;
      const { answer } = await report(message, SECOND_REPORTER, 'zh-CN');
      expect(answer.content).toBe('已举报给管理员,谢谢。');
      const post = await until(() => (reports().length > before ? reports().at(-1) : undefined), 'the second report');
      expect(post.content).toContain(`<@${SECOND_REPORTER.id}> reported`);
      const again = await report(message, SECOND_REPORTER, 'zh-CN');
      expect(again.answer.content).toMatch(/已经举报过/);
    });

    it('when the image cannot be downloaded, the report still goes out with its URL', async () => {
      const other = await imagine('a kettle shaped like a whale');
      world.discord.failNext({ method: 'GET', path: /^\/attachments\// }, { status: 500 });
      const before = reports().length;
      const { answer } = await report(other, REPORTER);
      expect(answer.content).toBe('Reported to the moderators. Thank you.');
      const post = await until(() => (reports().length > before ? reports().at(-1) : undefined), 'the report');
      expect(post.attachments).toEqual([]);
      const embed = (post.embeds as Embed[])[0]!;
      expect(field(embed, 'Image')).toContain(other.attachments[0]!.url);
      expect(buttonsOf(post)).toHaveLength(2);
    });

    it('when the log channel refuses the post, the reporter is told, and may report again later', async () => {
      const other = await imagine('a paper crane in the rain');
      world.discord.failNext(
        { method: 'POST', path: new RegExp(`^/channels/${logChannelId}/messages$`) },
        { status: 403, body: { message: 'Missing Access', code: 50001 } },
      );
      const before = reports().length;
      const failed = await report(other, REPORTER);
      expect(failed.answer.content).toMatch(/could not be posted to the moderation channel/);
      expect(reports()).toHaveLength(before);
      // Not recorded, so it is not "already reported".
      const retried = await report(other, REPORTER);
      expect(retried.answer.content).toBe('Reported to the moderators. Thank you.');
      await until(() => (reports().length > before ? true : undefined), 'the retried report');
    });

    it('Delete image: refused without Manage Messages; with it the result is gone, the row stamped, the report updated', async () => {
      const deleteId = `mod:delete:${rowId}`;
      const refused = await click(firstReport, deleteId, { user: MOD, memberPermissions: PLAIN });
      expect(refused.answer.content).toMatch(/Manage Messages/);
      // Manage Server is not enough: deleting messages is its own permission.
      const zh = await click(firstReport, deleteId, { user: MOD, memberPermissions: CAN_MANAGE_GUILD, locale: 'zh-CN' });
      expect(zh.answer.content).toMatch(/管理消息/);
      expect(stored(message.id)?.deleted).toBe(false);
      expect(usageRow(rowId).deleted_at).toBeNull();

      const { answer } = await click(firstReport, deleteId, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(answer.content).toMatch(/Deleted the reported image/);
      expect(stored(message.id)?.deleted).toBe(true);
      expect(usageRow(rowId).deleted_at).toEqual(expect.any(Number));

      const updated = stored(firstReport.id)!;
      expect(updated.content).toContain(`Image deleted by <@${MOD.id}>`);
      const [del, block] = buttonsOf(updated);
      expect(del).toMatchObject({ custom_id: deleteId, label: 'Image deleted', disabled: true });
      expect(block!.disabled).not.toBe(true);
      // The copied image stays with the report.
      expect(updated.attachments).toHaveLength(1);
    });

    it('Delete image from another report of the same image: already deleted, and that report is updated too', async () => {
      const second = reports().find((m) => m.content.includes(`<@${SECOND_REPORTER.id}>`))!;
      const deletedAt = usageRow(rowId).deleted_at;
      const { answer } = await click(second, `mod:delete:${rowId}`, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(answer.content).toMatch(/already deleted/);
      expect(usageRow(rowId).deleted_at).toBe(deletedAt);
      const updated = await until(() => (buttonsOf(stored(second.id)!)[0]!.disabled ? stored(second.id) : undefined), 'the second report edit');
      expect(updated.content).not.toContain('deleted by');
    });

    it('Delete image when someone already deleted the message by hand (404): still marked, and said so', async () => {
      const other = await imagine('a snail racing a tortoise');
      const otherRow = rowIdOf(other);
      const before = reports().length;
      await report(other, REPORTER);
      const post = await until(() => (reports().length > before ? reports().at(-1) : undefined), 'the report');
      // Someone removes the result by hand: the bot never hears of it.
      const response = await fetch(`${world.discord.apiBase}/v10/channels/${other.channel_id}/messages/${other.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bot ${world.discord.token}` },
      });
      expect(response.status).toBe(204);
      expect(usageRow(otherRow).deleted_at).toBeNull();

      const { answer } = await click(post, `mod:delete:${otherRow}`, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(answer.content).toMatch(/already deleted/);
      expect(usageRow(otherRow).deleted_at).toEqual(expect.any(Number));
      expect(stored(post.id)!.content).toContain(`already gone; <@${MOD.id}> marked it deleted`);
    });

    it('Block user: refused without Manage Server; with it the requester is blocked, audited, announced, and refused by /imagine', async () => {
      const blockId = `mod:block:${rowId}`;
      const refused = await click(firstReport, blockId, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(refused.answer.content).toMatch(/Manage Server/);
      expect(query('SELECT * FROM blocked_users')).toEqual([]);

      const postsBefore = logPosts().length;
      const { answer } = await click(stored(firstReport.id)!, blockId, { user: MOD, memberPermissions: CAN_MANAGE_GUILD });
      expect(answer.content).toContain(`Blocked <@${REQUESTER.id}>`);
      expect(query('SELECT user_id, blocked_by, reason FROM blocked_users WHERE guild_id = ?', world.discord.guildId)).toEqual([
        { user_id: REQUESTER.id, blocked_by: MOD.id, reason: `reported image #${rowId}` },
      ]);
      const audit = query<{ actor_id: string; action: string; detail: string }>('SELECT * FROM audit_log ORDER BY id DESC LIMIT 1')[0]!;
      expect(audit).toMatchObject({ actor_id: MOD.id, action: 'user.block' });
      expect(JSON.parse(audit.detail)).toEqual({ userId: REQUESTER.id, reason: `reported image #${rowId}` });
      // The same audit text /imagine-admin block posts.
      const announced = await until(
        () => logPosts().slice(postsBefore).find((m) => /blocked <@\d+> from generating images/.test(m.content)),
        'the audit post',
      );
      expect(announced.content).toContain(`<@${MOD.id}> blocked <@${REQUESTER.id}> from generating images (reason: reported image #${rowId})`);

      const updated = stored(firstReport.id)!;
      expect(updated.content).toContain(`<@${REQUESTER.id}> blocked by <@${MOD.id}>`);
      expect(buttonsOf(updated).map((b) => [b.label, b.disabled])).toEqual([
        ['Image deleted', true],
        ['User blocked', true],
      ]);

      // The requester is now refused.
      const handle = world.discord.interact({ name: 'imagine', user: REQUESTER, options: [{ name: 'prompt', type: 3, value: 'one more' }] });
      expect((await answerOf(handle)).content).toMatch(/You are blocked from generating images on this server/);
    });

    it('Block user again (from another report): already blocked, nothing audited twice', async () => {
      const audits = query('SELECT * FROM audit_log').length;
      const post = reports().find((m) => buttonsOf(m).some((b) => b.custom_id.startsWith('mod:block:') && b.disabled !== true))!;
      const { answer } = await click(post, idOf(post, 'mod:block:'), { user: MOD, memberPermissions: CAN_MANAGE_GUILD, locale: 'zh-CN' });
      expect(answer.content).toMatch(/已经被禁止/);
      expect(query('SELECT * FROM audit_log')).toHaveLength(audits);
      await until(() => (buttonsOf(stored(post.id)!)[1]!.disabled ? true : undefined), 'the report edit');
    });

    it('the bot stayed healthy', () => {
      expect(world.bot.child.exitCode).toBeNull();
      expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error|interaction handler failed/.test(line))).toEqual([]);
    });
  });
});

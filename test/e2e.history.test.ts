// /history end to end: the real bot process, the Discord fake and the relay fake. A member's own
// recent images (newest first, paged, filtered by model, private), what moderators may see of a
// member's, DMs, deleted images leaving the list, shared ones linking to the gallery, and the page
// buttons after a restart. Two images are made for real; the older history that fills the pages is
// written straight into the usage log (as delivered successes), which is what /history reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractOption } from './fakes/discord/index.js';
import { buttonsOf, CAN_MANAGE_GUILD, CAN_MANAGE_MESSAGES, driver, embedOf, PLAIN, rowIdOf, until } from './helpers/galleryDriver.js';
import { startWorld, type World } from './helpers/world.js';

const ME: FakeUser = { id: '640000000000000001', username: 'me' };
const OTHER: FakeUser = { id: '640000000000000002', username: 'other' };
const MOD: FakeUser = { id: '640000000000000003', username: 'mod' };
const ADMIN: FakeUser = { id: '640000000000000004', username: 'admin' };
const HOUR = 3_600_000;
/** Older images written into the log: half flux-dev, half gpt-image-2. */
const SYNTHETIC = 24;

describe('/history (real bot process)', () => {
  let world: World;
  const d = driver(() => world);

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  const history = (options: InteractOption[] = [], extra: Parameters<typeof d.command>[2] = {}) => d.answerOf(d.command('history', options, { user: ME, ...extra }));
  const linesOf = (message: FakeMessage): string[] => (embedOf(message).description ?? '').split('\n').filter((line) => line.startsWith('<t:'));
  const pageButtons = (message: FakeMessage) => buttonsOf(message).map((b) => [b.custom_id, b.disabled ?? false]);

  it('before any image: an empty list, privately', async () => {
    const answer = await history();
    expect(embedOf(answer).title).toBe('🕘 Your recent images');
    expect(embedOf(answer).description).toBe('No images here yet.');
    expect(embedOf(await history([], { locale: 'zh-CN' })).description).toBe('这里还没有图片。');
  });

  describe('with a history', () => {
    let first: FakeMessage;
    let second: FakeMessage;

    beforeAll(async () => {
      const now = Date.now();
      for (let i = 0; i < SYNTHETIC; i++) {
        d.write(
          `INSERT INTO usage (source, user_id, guild_id, channel_id, model, prompt, outcome, image_count, started_at, finished_at, message_id, message_channel_id)
           VALUES ('discord', ?, ?, ?, ?, ?, 'success', 1, ?, ?, ?, ?)`,
          ME.id,
          world.discord.guildId,
          world.discord.channelId,
          i % 2 ? 'gpt-image-2' : 'flux-dev',
          `older image ${i}`,
          now - (i + 1) * HOUR,
          now - (i + 1) * HOUR + 5000,
          `65000000000000${String(i).padStart(4, '0')}`,
          world.discord.channelId,
        );
      }
      // Not in the list: a failure, another member's image, another server's.
      const other = `INSERT INTO usage (source, user_id, guild_id, model, prompt, outcome, started_at) VALUES ('discord', ?, ?, 'flux-dev', ?, ?, ?)`;
      d.write(other, ME.id, world.discord.guildId, 'a timeout', 'timeout', now - HOUR / 2);
      d.write(other, OTHER.id, world.discord.guildId, 'someone else', 'success', now - HOUR / 2);
      d.write(other, ME.id, '659999999999999999', 'another server', 'success', now - HOUR / 2);
      first = await d.imagine('a real image of a lantern', { user: ME });
      second = await d.imagine('a real image of a kettle', { user: ME, model: 'flux-2-klein-4b' });
    });

    it('newest first, ten to a page, each with when, model, prompt and a jump link; Prev / Next through the pages', async () => {
      const page1 = await history();
      const lines = linesOf(page1);
      expect(lines).toHaveLength(10);
      expect(lines[0]).toBe(
        `<t:${Math.floor(Number(d.usageRow(rowIdOf(second)).started_at) / 1000)}:R> · **flux-2-klein-4b** — a real image of a kettle · ` +
          `[Jump](https://discord.com/channels/${world.discord.guildId}/${second.channel_id}/${second.id})`,
      );
      expect(lines[1]).toContain('a real image of a lantern');
      expect(lines[2]).toContain('older image 0');
      expect(embedOf(page1).footer?.text).toBe(`Page 1 of 3 · ${SYNTHETIC + 2} in all`);
      expect(pageButtons(page1)).toEqual([
        [`hist:0:${ME.id}:`, true],
        [`hist:2:${ME.id}:`, false],
      ]);
      expect(JSON.stringify(page1)).not.toMatch(/someone else|another server|a timeout/);

      const next = await d.click(page1, `hist:2:${ME.id}:`, { user: ME });
      expect(next.callback.type).toBe(7);
      const page2 = next.handle.original()!;
      expect(linesOf(page2)[0]).toContain('older image 8');
      const last = (await d.click(page2, `hist:3:${ME.id}:`, { user: ME })).handle.original()!;
      expect(linesOf(last)).toHaveLength(6);
      expect(embedOf(last).footer?.text).toBe(`Page 3 of 3 · ${SYNTHETIC + 2} in all`);
      expect(pageButtons(last)).toEqual([
        [`hist:2:${ME.id}:`, false],
        [`hist:4:${ME.id}:`, true],
      ]);
      const back = (await d.click(last, `hist:2:${ME.id}:`, { user: ME })).handle.original()!;
      expect(embedOf(back).footer?.text).toMatch(/^Page 2 of 3/);
    });

    it('filters by model; the filter shows in the footer and the page buttons keep it', async () => {
      const page1 = await history([{ name: 'model', type: 3, value: 'flux-dev' }]);
      expect(linesOf(page1)).toHaveLength(10);
      expect(linesOf(page1).every((line) => line.includes('**flux-dev**'))).toBe(true);
      expect(embedOf(page1).footer?.text).toBe('Page 1 of 2 · 12 in all · Model: flux-dev');
      const page2 = (await d.click(page1, `hist:2:${ME.id}:flux-dev`, { user: ME })).handle.original()!;
      expect(linesOf(page2)).toHaveLength(2);
      expect(linesOf(page2).every((line) => line.includes('**flux-dev**'))).toBe(true);
      const none = await history([{ name: 'model', type: 3, value: 'dall-e-3' }], { locale: 'zh-CN' });
      expect(embedOf(none).description).toBe('这里没有用 dall-e-3 生成的图片。');
    });

    it('the model filter suggests the models of the member’s own history', async () => {
      const complete = async (typed: string, user = ME) => {
        const handle = world.discord.interact({ name: 'history', type: 4, user, options: [{ name: 'model', type: 3, value: typed, focused: true }] });
        const callback = await handle.waitForCallback(3_000);
        expect(callback.type).toBe(8);
        return ((callback.data as { choices: Array<{ value: string }> }).choices ?? []).map((choice) => choice.value);
      };
      expect(await complete('')).toEqual(['flux-2-klein-4b', 'flux-2-pro', 'flux-dev', 'gpt-image-2']);
      expect(await complete('FLUX-2')).toEqual(['flux-2-klein-4b', 'flux-2-pro']);
      expect(await complete('', OTHER)).toEqual(['flux-dev']);
    });

    it('a member cannot see another member’s history; a moderator (Manage Messages) can, and pages through it', async () => {
      const member = [{ name: 'member', type: 6, value: ME.id }];
      const refused = await history(member, { user: OTHER, memberPermissions: PLAIN });
      expect(refused.content).toMatch(/Seeing a member’s history needs the \*\*Manage Messages\*\* permission/);
      expect(refused.embeds).toEqual([]);
      const zh = await history(member, { user: OTHER, memberPermissions: CAN_MANAGE_GUILD, locale: 'zh-CN' });
      expect(zh.content).toMatch(/管理消息/);

      const seen = await history(member, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(embedOf(seen).title).toBe('🕘 A member’s recent images');
      expect(embedOf(seen).description).toMatch(new RegExp(`^Member: <@${ME.id}>\\n\\n<t:`));
      expect(seen.allowed_mentions).toEqual({ parse: [] });
      const next = await d.click(seen, `hist:2:${ME.id}:`, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(next.callback.type).toBe(7);
      expect(embedOf(next.handle.original()!).footer?.text).toMatch(/^Page 2 of 3/);
      // The page buttons check again: without the permission they refuse, and the list stays as it was.
      const stale = await d.clickForAnswer(next.handle.original()!, `hist:3:${ME.id}:`, { user: OTHER, memberPermissions: PLAIN });
      expect(stale.content).toMatch(/Manage Messages/);
      // Looking at one's own history with the option is no different from without it.
      expect(embedOf(await history(member)).title).toBe('🕘 Your recent images');
    });

    it('in a DM: only the images made in DMs; a member’s history is refused there', async () => {
      await d.imagine('a DM image of a moth', { user: ME, guildId: null });
      const dm = await history([], { guildId: null });
      expect(linesOf(dm)).toHaveLength(1);
      expect(linesOf(dm)[0]).toContain('a DM image of a moth');
      const refused = await history([{ name: 'member', type: 6, value: OTHER.id }], { guildId: null });
      expect(refused.content).toMatch(/only in a server/);
    });

    it('a shared image links to its gallery post; a deleted one leaves the list (its usage row stays)', async () => {
      await d.answerOf(
        d.command('gallery', [{ name: 'settings', type: 2, options: [{ name: 'channel', type: 1, options: [{ name: 'channel', type: 7, value: world.discord.channelId }] }] }], {
          user: ADMIN,
          memberPermissions: CAN_MANAGE_GUILD,
        }),
      );
      await d.clickForAnswer(first, `gal:share:${rowIdOf(first)}`, { user: ME });
      const post = await until(() => d.query<{ message_id: string | null }>('SELECT message_id FROM gallery_posts WHERE usage_id = ?', rowIdOf(first))[0]?.message_id ?? undefined, 'the share');
      const withLink = linesOf(await history()).find((line) => line.includes('a real image of a lantern'))!;
      expect(withLink).toContain(`[Gallery](https://discord.com/channels/${world.discord.guildId}/${world.discord.channelId}/${post})`);

      await d.clickForAnswer(d.stored(second), `img:delete:${rowIdOf(second)}`, { user: ME });
      const after = await history();
      expect(JSON.stringify(after)).not.toContain('a real image of a kettle');
      expect(embedOf(after).footer?.text).toBe(`Page 1 of 3 · ${SYNTHETIC + 1} in all`);
      expect(d.usageRow(rowIdOf(second))).toMatchObject({ outcome: 'success', deleted_at: expect.any(Number) });
    });

    it('the page buttons keep working after a restart', async () => {
      const page1 = await history([{ name: 'model', type: 3, value: 'gpt-image-2' }]);
      await world.restartBot();
      const next = await d.click(page1, `hist:2:${ME.id}:gpt-image-2`, { user: ME });
      expect(next.callback.type).toBe(7);
      const page2 = next.handle.original()!;
      expect(embedOf(page2).footer?.text).toBe('Page 2 of 2 · 12 in all · Model: gpt-image-2');
      expect(linesOf(page2)).toHaveLength(2);
    });

    it('the bot stayed healthy', () => {
      expect(world.bot.child.exitCode).toBeNull();
      expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error|interaction handler failed/.test(line))).toEqual([]);
    });
  });
});

// What the gallery and history end-to-end tests do as members: /imagine and wait for the result,
// click a button and read the private answer, run a slash command, read and write the database
// through a separate connection (as an operator would), and wait for something to become true.
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from '../fakes/discord/index.js';
import { DEFAULT_MEMBER_PERMISSIONS } from '../fakes/discord/payloads.js';
import type { World } from './world.js';

export const EPHEMERAL = 64;
export const LOADING = 128;
const MANAGE_GUILD = 1n << 5n;
const MANAGE_MESSAGES = 1n << 13n;
export const PLAIN = DEFAULT_MEMBER_PERMISSIONS;
export const CAN_MANAGE_MESSAGES = (BigInt(PLAIN) | MANAGE_MESSAGES).toString();
export const CAN_MANAGE_GUILD = (BigInt(PLAIN) | MANAGE_GUILD).toString();

type Obj = Record<string, unknown>;
export interface Button {
  custom_id: string;
  label?: string;
  disabled?: boolean;
  style: number;
}
export interface Embed {
  title?: string;
  description?: string;
  image?: { url: string };
  footer?: { text: string };
  fields?: Array<{ name: string; value: string }>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const rowsOf = (message: FakeMessage): Button[][] =>
  (message.components as Obj[]).map((row) => ((row.components as Obj[]) ?? []).filter((c) => c.type === 2) as unknown as Button[]);
export const buttonsOf = (message: FakeMessage): Button[] => rowsOf(message).flat();
export const embedOf = (message: FakeMessage): Embed => (message.embeds as Embed[])[0] ?? {};
export const field = (embed: Embed, name: string): string | undefined => embed.fields?.find((f) => f.name === name)?.value;
export const buttonId = (message: FakeMessage, prefix: string): string => {
  const found = buttonsOf(message).find((b) => b.custom_id.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} button on ${message.id}: ${JSON.stringify(message.components)}`);
  return found.custom_id;
};
export const button = (message: FakeMessage, prefix: string): Button => buttonsOf(message).find((b) => b.custom_id === buttonId(message, prefix))!;
/** The usage row id a result's (or gallery post's) buttons carry. */
export const rowIdOf = (message: FakeMessage): number => Number(buttonId(message, 'img:details:').split(':')[2]);

export async function until<T>(get: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function driver(world: () => World) {
  const discord = () => world().discord;

  function query<T = Obj>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(world().dbPath, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  /** Writes beside the running bot (WAL lets both at once), for history that would take long to make. */
  function write(sql: string, ...params: unknown[]): void {
    const db = new Database(world().dbPath);
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  }

  const usageRow = (id: number) => query('SELECT * FROM usage WHERE id = ?', id)[0]!;

  /** The message as the fake holds it now (edits and deletion included), in any channel. */
  function stored(message: FakeMessage): FakeMessage {
    const found = discord().channelMessages(message.channel_id).find((m) => m.id === message.id);
    if (!found) throw new Error(`message ${message.id} is not in channel ${message.channel_id}`);
    return found;
  }

  async function imagine(
    prompt: string,
    options: { user?: FakeUser; locale?: string; nsfw?: boolean; guildId?: null; model?: string } = {},
  ): Promise<FakeMessage> {
    const handle = discord().interact({
      name: 'imagine',
      ...(options.user ? { user: options.user } : {}),
      ...(options.locale ? { locale: options.locale } : {}),
      ...(options.nsfw ? { nsfwChannel: true } : {}),
      ...(options.guildId === null ? { guildId: null } : {}),
      options: [
        { name: 'prompt', type: 3, value: prompt },
        { name: 'model', type: 3, value: options.model ?? 'flux-2-pro' },
      ],
    });
    await handle.waitFor((s) => (s.original?.attachments.length ?? 0) > 0 && (s.original?.components.length ?? 0) > 0, 20_000);
    const message = handle.original()!;
    // The bot records where it delivered just after Discord answered.
    await until(() => usageRow(rowIdOf(message))?.message_id === message.id, 'the delivered row');
    return message;
  }

  /** The final private answer of an interaction (a reply, or a deferred reply's edit). */
  async function answerOf(handle: InteractionHandle, timeoutMs = 15_000): Promise<FakeMessage> {
    await handle.waitFor((s) => s.original !== undefined && (s.original.flags & LOADING) === 0, timeoutMs);
    const original = handle.original()!;
    expect(original.flags & EPHEMERAL, 'answers are private').toBe(EPHEMERAL);
    return original;
  }

  /** Clicks (acknowledged within Discord's 3 s). */
  async function click(message: FakeMessage, customId: string, opts: { user?: FakeUser; locale?: string; memberPermissions?: string } = {}) {
    const handle = discord().clickButton(message, customId, opts);
    const callback = await handle.waitForCallback(3_000);
    return { handle, callback };
  }

  /** A click answered privately (reply or deferred reply). */
  async function clickForAnswer(message: FakeMessage, customId: string, opts: { user?: FakeUser; locale?: string; memberPermissions?: string } = {}) {
    const { handle, callback } = await click(message, customId, opts);
    expect([4, 5]).toContain(callback.type);
    return answerOf(handle);
  }

  /**
   * ⭐: the clicked message is updated in place (acknowledged with callback 6, then edited; or
   * callback 7), the member told privately in a follow-up.
   */
  async function star(message: FakeMessage, user: FakeUser, locale?: string): Promise<{ note: string; message: FakeMessage }> {
    const { handle, callback } = await click(message, buttonId(message, 'gal:fav:'), { user, ...(locale ? { locale } : {}) });
    expect([6, 7]).toContain(callback.type);
    expect(handle.original()?.id, 'the clicked message is the one updated').toBe(message.id);
    await handle.waitFor((s) => s.followups.length > 0, 5_000);
    const followup = handle.followups()[0]!;
    expect(followup.flags & EPHEMERAL).toBe(EPHEMERAL);
    return { note: followup.content, message: stored(message) };
  }

  function command(name: string, options: InteractOption[], extra: { user?: FakeUser; memberPermissions?: string; locale?: string; nsfw?: boolean; guildId?: null } = {}) {
    return discord().interact({
      name,
      options,
      ...(extra.user ? { user: extra.user } : {}),
      ...(extra.memberPermissions ? { memberPermissions: extra.memberPermissions } : {}),
      ...(extra.locale ? { locale: extra.locale } : {}),
      ...(extra.nsfw ? { nsfwChannel: true } : {}),
      ...(extra.guildId === null ? { guildId: null } : {}),
    });
  }

  return { query, write, usageRow, stored, imagine, answerOf, click, clickForAnswer, star, command };
}

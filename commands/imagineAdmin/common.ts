// What every /imagine-admin handler shares (and /gallery settings, the other admin command): the
// Manage Server check, the call (context, interaction, locale, guild, actor), ephemeral replies,
// running a PolicyStore change (validation errors become a message in the admin's language) and
// posting the audit entry to the log channel.
import {
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type InteractionReplyOptions,
} from 'discord.js';
import type { BotContext } from '../../src/discord/context.js';
import { postToLogChannel } from '../../src/discord/logChannel.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../../src/i18n/locale.js';
import { describeAuditEntry } from '../../src/moderation/auditText.js';
import { PolicyValidationError } from '../../src/moderation/guildPolicy.js';
import { shorten as cut } from '../../src/shorten.js';
import type { AuditEntry } from '../../src/storage/auditLog.js';

/** Discord's message content limit. */
export const MAX_CONTENT = 2_000;
/** Discord's limits on embed descriptions and field values. */
export const MAX_DESCRIPTION = 4_096;
export const MAX_FIELD = 1_024;

export interface AdminCall {
  ctx: BotContext;
  interaction: ChatInputCommandInteraction;
  locale: Locale;
  guildId: string;
  /** The admin running the command. */
  actorId: string;
}

/**
 * What posting an audit entry needs: also met by a moderator's quick action on a report (a button
 * interaction), which blocks users through the same audited path.
 */
export interface LogCall {
  ctx: BotContext;
  interaction: { guildLocale: string | null; client: Client };
  locale: Locale;
  guildId: string;
}

/**
 * Manage Server in a server (Administrator implies it: has() checks it by default). Checked at run
 * time by /imagine-admin and /gallery settings: a server can let anyone see a command.
 */
export function mayAdminister(interaction: ChatInputCommandInteraction | AutocompleteInteraction): boolean {
  return interaction.inGuild() && (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false);
}

export function adminCall(ctx: BotContext, interaction: ChatInputCommandInteraction, guildId: string): AdminCall {
  return { ctx, interaction, locale: localeFromDiscord(interaction.locale), guildId, actorId: interaction.user.id };
}

export { cut };

/** Room kept for the "… and N more" line. */
const MORE_RESERVE = 40;

/** Joins lines into at most `max` characters; the lines that do not fit become "… and N more". */
export function joinLines(lines: readonly string[], max: number, locale: Locale, separator = '\n'): string {
  const out: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1;
    const added = (out.length ? separator.length : 0) + line.length;
    if (length + added <= (last ? max : max - MORE_RESERVE)) {
      out.push(line);
      length += added;
      continue;
    }
    let rest = lines.length - index;
    if (out.length === 0) {
      out.push(cut(line, max - MORE_RESERVE));
      rest -= 1;
    }
    if (rest > 0) out.push(pick(adminText.andMore(rest), locale));
    break;
  }
  return out.join(separator);
}

/** Every /imagine-admin answer is ephemeral and mentions nobody. */
export async function reply(call: AdminCall, message: string | Omit<InteractionReplyOptions, 'flags'>): Promise<void> {
  const options = typeof message === 'string' ? { content: cut(message, MAX_CONTENT) } : message;
  const body = { ...options, allowedMentions: { parse: [] } };
  if (call.interaction.deferred || call.interaction.replied) {
    await call.interaction.editReply(body as Parameters<ChatInputCommandInteraction['editReply']>[0]);
  } else {
    await call.interaction.reply({ ...body, flags: MessageFlags.Ephemeral } as InteractionReplyOptions);
  }
}

export function say(call: AdminCall, text: Localized): Promise<void> {
  return reply(call, pick(text, call.locale));
}

/**
 * Runs a change; a PolicyValidationError is answered with its problem in the admin's language and
 * gives `undefined`. Anything else is a bug and goes to the interaction router.
 */
export async function attempt<T>(call: AdminCall, change: () => T): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: change() };
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    await say(call, adminText.invalid(pick(error.problem, call.locale)));
    return { ok: false };
  }
}

/**
 * The log channel's text for an audit entry: in the server's language, or in both when the admin
 * reads another one (a server without the Community feature always reports en-US).
 */
export function logText(call: LogCall, entry: AuditEntry): string {
  const text = describeAuditEntry(entry);
  const server = localeFromDiscord(call.interaction.guildLocale);
  if (server === call.locale) return cut(pick(text, server), MAX_CONTENT);
  const half = Math.floor((MAX_CONTENT - 2) / 2);
  return `${cut(pick(text, call.locale), half)}\n\n${cut(pick(text, server), half)}`;
}

/** Posts the entry to the server's log channel, when one is set (best effort). */
export async function announce(call: LogCall, entry: AuditEntry | undefined): Promise<void> {
  if (!entry) return;
  await postToLogChannel(call.ctx, call.interaction.client, call.guildId, { content: logText(call, entry) });
}

export function usd(amount: number): string {
  return `$${amount < 1 ? String(Math.round(amount * 1e4) / 1e4) : amount.toFixed(2)}`;
}

export function discordTime(ms: number, style: 'f' | 'R' = 'f'): string {
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}

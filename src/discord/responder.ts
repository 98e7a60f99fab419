// The one place that answers a member, whatever state their interaction is in (not yet answered,
// deferred in public or in private, a button's update), and every way of reaching them: a reply,
// an edit of the deferred reply, a private follow-up, a channel message that mentions them, a DM —
// also after a restart, when only the stored token is left.
import { MessageFlags, Routes, type ActionRowBuilder, type ButtonBuilder, type Client, type RepliableInteraction } from 'discord.js';
import { localeFromDiscord, pick, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { log } from '../log.js';
import { deliver, DeliveryFailedError, type DeliveryPayload } from './delivery.js';
import { describeDiscordError, isUnknownMessage } from './discordErrors.js';
import type { ReplyTarget } from './replyTarget.js';
import { failureMessage } from './resultMessage.js';
import { tokenUsable } from './tokenClock.js';

/** A plain status line in place of the reply (no embed, no files), with optional buttons. */
export function noticeMessage(content: string, components: ActionRowBuilder<ButtonBuilder>[] = []) {
  return { content, embeds: [], files: [], components, attachments: [] };
}

/** Puts `payload` where the member will see it (see delivery.ts); never throws: there is nothing left to tell them with. */
export async function deliverQuietly(interaction: ReplyTarget, payload: DeliveryPayload, prefix: string): Promise<void> {
  try {
    await deliver(interaction, payload, prefix);
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) log.error('could not deliver a message', { error });
  }
}

/**
 * Answers a refusal so that only the member sees it: a private reply when nothing was sent yet; the
 * deferral's own message when it is private; after a public deferral, its "thinking…" message is
 * deleted first and the refusal sent as a private follow-up (the first follow-up after a deferral
 * would otherwise replace that message, public as it is).
 */
export async function refusePrivately(interaction: RepliableInteraction, message: Localized): Promise<void> {
  const content = `❌ ${pick(message, localeFromDiscord(interaction.locale))}`;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  if (interaction.deferred && interaction.ephemeral === true) {
    await interaction.editReply({ content });
    return;
  }
  if (interaction.deferred && interaction.ephemeral === false) {
    try {
      await interaction.deleteReply();
    } catch (error) {
      // Still there: a follow-up would replace it in public. Better unsaid than said to everyone.
      if (!isUnknownMessage(error)) {
        log.warn('could not withdraw a deferral to refuse privately', { interaction: interaction.id, ...describeDiscordError(error) });
        return;
      }
    }
  }
  // deferUpdate / update / a reply already sent: a new private message, the clicked one untouched.
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
}

/** Tells the member a handler failed (the router's last resort). Never throws. */
export async function tellFailure(interaction: RepliableInteraction, message: Localized): Promise<void> {
  const locale = localeFromDiscord(interaction.locale);
  try {
    if (!interaction.deferred && !interaction.replied) {
      await interaction.reply({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.deferred && interaction.ephemeral === false) {
      // A public deferReply: the reply is the bot's own message for this request, so the failure
      // replaces it; the token may have expired meanwhile, so through the delivery fallbacks.
      await deliver(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention: `<@${interaction.user.id}>` }), locale));
      return;
    }
    // After update() / deferUpdate() `@original` is the message the button is on (a result, a
    // gallery post), and a private reply must not fall back to a public post: a private follow-up.
    await interaction.followUp({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
  } catch (error) {
    log.warn('could not tell the user about a failure', { interaction: interaction.id, ...describeDiscordError(error) });
  }
}

/** A member to reach with only what the job table kept: no live interaction object. */
export interface StoredReply {
  interactionId: string;
  applicationId: string | null;
  token: string | null;
  channelId: string | null;
  userId: string;
}

/**
 * Reaches a member after a restart: by editing the original reply while its token is valid (never
 * over an image already delivered there), else a channel message that mentions them, else a DM.
 * `replyOnly`: the reply or nothing ('not told'), for a request Discord may never have seen
 * acknowledged (the member was shown that the application did not respond, and nothing followed).
 */
export async function tellStored(
  client: Client,
  target: StoredReply,
  message: { content: string; components: unknown[] },
  options: { replyOnly?: boolean } = {},
): Promise<'reply' | 'channel' | 'dm' | 'already delivered' | 'not told'> {
  const body = { content: message.content, components: message.components, embeds: [], attachments: [], allowed_mentions: { users: [target.userId] } };
  if (target.token && target.applicationId && tokenUsable(target.interactionId)) {
    try {
      const original = (await client.rest.get(Routes.webhookMessage(target.applicationId, target.token, '@original'), { auth: false })) as { attachments?: unknown[] };
      if ((original.attachments?.length ?? 0) > 0) return 'already delivered';
      await client.rest.patch(Routes.webhookMessage(target.applicationId, target.token, '@original'), { body, auth: false });
      return 'reply';
    } catch (error) {
      log.debug(options.replyOnly ? 'editing the original reply failed' : 'editing the original reply failed; posting in the channel', describeDiscordError(error));
    }
  }
  if (options.replyOnly) return 'not told';
  if (target.channelId) {
    try {
      await client.rest.post(Routes.channelMessages(target.channelId), { body });
      return 'channel';
    } catch (error) {
      log.debug('posting in the channel failed; sending a DM', describeDiscordError(error));
    }
  }
  const user = await client.users.fetch(target.userId);
  await user.send({ content: message.content, components: message.components as never });
  return 'dm';
}

// /describe and the Describe context menu: the chat model looks at an image and proposes four
// prompts, each under a numbered button that opens /imagine's form with it. What is cheap comes
// before the deferral (a chat model exists, the member and channel may use the bot, the file is an
// image of a size we take), so a bad input is refused privately at no cost; the download, the
// vision call (queued and charged like any request) and the answer come after it.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  MessageFlags,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
} from 'discord.js';
import { explainRefusal, type Refusal } from '../generation/index.js';
import { assistText } from '../i18n/assistMessages.js';
import { explainError } from '../i18n/errorMessages.js';
import { localeFromDiscord, pick } from '../i18n/locale.js';
import { InvalidInputError } from '../providers/errors.js';
import { shorten } from '../shorten.js';
import { checkAttachments, downloadAttachments, looksLikeImage, type AttachmentInput } from './attachmentInputs.js';
import type { BotContext } from './context.js';
import { originOf } from './inputRequest.js';
import { refusePrivately } from './responder.js';

/** `dsc:<n>` under a describe answer: open /imagine's form with prompt n (0-based) of that message. */
export const DESCRIBE_PREFIX = 'dsc';

export function describePromptButtonId(index: number): string {
  return `${DESCRIBE_PREFIX}:${index}`;
}

export function parseDescribePromptButtonId(customId: string): number | undefined {
  const match = /^dsc:([0-3])$/.exec(customId);
  return match ? Number(match[1]) : undefined;
}

export type DescribeInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

/** An embed field holds 1024 characters; a describe prompt is asked to stay far under that. */
const MAX_PROMPT_FIELD = 1024;
const DESCRIBE_COLOUR = 0x57f287;

function refusal(interaction: DescribeInteraction, refused: Refusal): Promise<void> {
  return refusePrivately(interaction, explainRefusal(refused, localeFromDiscord(interaction.locale)));
}

export async function describeAttachment(ctx: BotContext, interaction: DescribeInteraction, attachment: AttachmentInput | undefined): Promise<void> {
  const locale = localeFromDiscord(interaction.locale);
  if (!attachment || !looksLikeImage(attachment)) return refusePrivately(interaction, assistText.describeNoImage);
  if (!ctx.generation.assistant.chatModel) return refusal(interaction, { code: 'chat_unavailable' });
  const origin = originOf(interaction);
  const screened = ctx.generation.screenChat(origin);
  if (!screened.ok) return refusal(interaction, screened.refusal);
  const discordApiBaseUrl = ctx.config.env.discordApiBaseUrl;
  try {
    checkAttachments([attachment], { discordApiBaseUrl });
  } catch (error) {
    if (error instanceof InvalidInputError) return refusePrivately(interaction, explainError(error));
    throw error;
  }

  const keepPrivate = ctx.memberSettings.get(interaction.user.id).private === true;
  await interaction.deferReply(keepPrivate ? { flags: MessageFlags.Ephemeral } : {});
  let image;
  try {
    const [raw] = await downloadAttachments([attachment], { discordApiBaseUrl });
    image = await ctx.pipeline.readVisionInput(raw!);
  } catch (error) {
    // An unreadable file or a link that stopped working: still before anything was charged.
    if (error instanceof InvalidInputError) return refusePrivately(interaction, explainError(error));
    throw error;
  }
  const outcome = await ctx.generation.assistant.describe(origin, image, screened.value.policy);
  if (outcome.ok) {
    await interaction.editReply(describeMessage(outcome.prompts, { model: outcome.model, cost: outcome.cost, locale }));
    return;
  }
  if ('duplicate' in outcome) return;
  if ('refusal' in outcome) return refusal(interaction, outcome.refusal);
  await interaction.editReply({ content: pick(assistText.describeFailed({ why: outcome.failed, cost: outcome.cost.toFixed(3) }), locale), embeds: [], components: [] });
}

/**
 * The four prompts as numbered fields, and a button for each. The prompts live in the message itself
 * (the button's click carries it), so they need no storage and survive restarts.
 */
function describeMessage(prompts: readonly string[], view: { model: string; cost: number; locale: 'en' | 'zh' }) {
  const embed = new EmbedBuilder()
    .setColor(DESCRIBE_COLOUR)
    .setTitle(pick(assistText.describeTitle, view.locale))
    .addFields(prompts.map((prompt, index) => ({ name: `${index + 1}️⃣`, value: shorten(prompt, MAX_PROMPT_FIELD) })))
    .setFooter({ text: pick(assistText.describeFooter({ model: view.model, cost: view.cost.toFixed(3) }), view.locale) });
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    prompts.map((_, index) =>
      new ButtonBuilder()
        .setCustomId(describePromptButtonId(index))
        .setLabel(String(index + 1))
        .setEmoji('🎨')
        .setStyle(ButtonStyle.Primary),
    ),
  );
  return { content: '', embeds: [embed], components: [buttons] };
}

/** The prompt behind button `index` of a describe message, read back from its embed; undefined when it is gone. */
export function describedPrompt(message: { embeds: ReadonlyArray<{ fields: ReadonlyArray<{ name: string; value: string }> }> }, index: number): string | undefined {
  return message.embeds[0]?.fields[index]?.value;
}

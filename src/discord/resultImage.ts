// Image N of a posted result, as the tools under it (Vary, Edit, Upscale) take it: the attachment
// with where it lives (so it can be fetched again for a fresh link) and its pixels as Discord states them.
import type { Attachment } from 'discord.js';
import { looksLikeImage, type AttachmentInput } from './attachmentInputs.js';
import { attachmentInput } from './inputRequest.js';

export interface ResultImage {
  input: AttachmentInput & { source: NonNullable<AttachmentInput['source']> };
  /** Discord's `width`/`height` of the attachment; null when it gave none. */
  width: number | null;
  height: number | null;
}

/** Image `index` (1-based, as the menus count) among a message's image attachments; undefined when it has no such image. */
export function resultImage(message: { id: string; channelId: string; attachments: Iterable<Attachment> }, index: number): ResultImage | undefined {
  let seen = 0;
  for (const attachment of message.attachments) {
    if (!looksLikeImage({ name: attachment.name, contentType: attachment.contentType })) continue;
    seen += 1;
    if (seen !== index) continue;
    const source = { channelId: message.channelId, messageId: message.id, attachmentId: attachment.id };
    return { input: { ...attachmentInput(attachment, source), source }, width: attachment.width, height: attachment.height };
  }
  return undefined;
}

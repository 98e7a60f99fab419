// Discord attachments as input images. Attachment links are signed and expire, so they are
// downloaded as soon as the interaction is acknowledged (what Discord says of them is checked
// before that, see checkAttachments), and only the bytes travel on: the link itself never reaches
// a relay. The download is the same guarded one as relay results (http(s) only, redirects
// re-checked, every address checked at connect time, size capped while streaming), limited to
// Discord's CDN hosts; a private address is allowed only when Discord itself is configured on one
// (the local Discord fake), as a relay on a private network may link to its own address.
import { downloadImage } from '../providers/imageDownload.js';
import { InvalidInputError, isImagineError } from '../catalog/failure.js';
import type { InputSource } from '../catalog/request.js';
import { MAX_INPUT_BYTES, notAnImageRefusal, tooLargeRefusal, type RawInput } from '../pipeline/inputImages.js';
import { discordIsPrivate, isDiscordAttachmentUrl } from './attachmentBytes.js';

/** What the bot needs of an attachment (discord.js Attachment and the REST JSON both map onto it). */
export interface AttachmentInput {
  id: string;
  name: string;
  url: string;
  size: number;
  contentType?: string | null;
  /** The message holding it, when there is one (Re-roll fetches it again for a fresh link). */
  source?: InputSource;
}

/**
 * How long the downloads of one request may take (fetching the messages that hold them included).
 * They run after the deferral, so Discord's 3 seconds do not bound them; attachments on Discord's
 * CDN arrive far faster than this, and one that does not is refused rather than waited for.
 */
export const ATTACHMENT_DEADLINE_MS = 15_000;

/** Whether an attachment looks like an image by what Discord says of it (the bytes decide later). */
export function looksLikeImage(attachment: Pick<AttachmentInput, 'name' | 'contentType'>): boolean {
  if (attachment.contentType) return attachment.contentType.toLowerCase().startsWith('image/');
  return /\.(png|jpe?g|webp|gif)$/i.test(attachment.name);
}

export interface AttachmentDownloadOptions {
  /** DISCORD_API_BASE_URL: its host is accepted besides Discord's CDN (a Discord-compatible or local server). */
  discordApiBaseUrl: string;
  deadlineMs?: number;
}

/**
 * What can be refused from Discord's word alone, before a byte is fetched: the declared size and
 * type, and a link off Discord's hosts. Synchronous and cheap (it runs before the deferral).
 * Throws InvalidInputError (param `image`) with a message naming the file.
 */
export function checkAttachments(attachments: readonly AttachmentInput[], options: Pick<AttachmentDownloadOptions, 'discordApiBaseUrl'>): void {
  for (const attachment of attachments) {
    if (attachment.size > MAX_INPUT_BYTES) throw tooLargeRefusal(attachment.name);
    if (!looksLikeImage(attachment)) throw notAnImageRefusal(attachment.name);
  }
  for (const attachment of attachments) {
    let url: URL;
    try {
      url = new URL(attachment.url);
    } catch {
      throw expiredRefusal(attachment.name);
    }
    if (!isDiscordAttachmentUrl(url, options.discordApiBaseUrl)) {
      throw new InvalidInputError('image_not_on_discord', { name: attachment.name });
    }
  }
}


/**
 * Downloads the attachments in parallel, cheapest refusals first (checkAttachments, before a byte
 * is fetched). Throws InvalidInputError (param `image`) with a message naming the file.
 */
export async function downloadAttachments(attachments: readonly AttachmentInput[], options: AttachmentDownloadOptions): Promise<RawInput[]> {
  checkAttachments(attachments, options);
  const allowPrivateAddresses = await discordIsPrivate(options.discordApiBaseUrl);
  const deadline = Date.now() + (options.deadlineMs ?? ATTACHMENT_DEADLINE_MS);
  return Promise.all(
    attachments.map(async (attachment): Promise<RawInput> => {
      try {
        const bytes = await downloadImage(new URL(attachment.url).href, {
          relay: 'discord',
          timeoutMs: Math.max(1, deadline - Date.now()),
          maxBytes: MAX_INPUT_BYTES,
          allowPrivateAddresses,
        });
        return { name: attachment.name, bytes, ...(attachment.source ? { source: attachment.source } : {}) };
      } catch (error) {
        throw downloadRefusal(attachment.name, error);
      }
    }),
  );
}

function expiredRefusal(name: string): InvalidInputError {
  return new InvalidInputError('image_link_expired', { name });
}

/** A failed download, said as what the user can do about it. */
function downloadRefusal(name: string, error: unknown): InvalidInputError {
  if (!isImagineError(error)) throw error;
  if (error.code === 'image_url_expired') return expiredRefusal(name);
  if (error.code === 'image_too_large') return tooLargeRefusal(name);
  return new InvalidInputError(error.kind === 'timeout' ? 'image_download_timeout' : 'image_download_failed', { name });
}

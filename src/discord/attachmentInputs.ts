// Discord attachments as input images. Attachment links are signed and expire, so they are
// downloaded as soon as the interaction is acknowledged (what Discord says of them is checked
// before that, see checkAttachments), and only the bytes travel on: the link itself never reaches
// a relay. The download is the same guarded one as relay results (http(s) only, redirects
// re-checked, every address checked at connect time, size capped while streaming), limited to
// Discord's CDN hosts; a private address is allowed only when Discord itself is configured on one
// (the local Discord fake), as a relay on a private network may link to its own address.
import { hostIsPrivate, downloadImage } from '../providers/imageDownload.js';
import { IMAGE_PARAM } from '../providers/dialects/inputs.js';
import { InvalidInputError, isImagineError } from '../providers/errors.js';
import type { InputSource } from '../providers/types.js';
import type { Localized } from '../i18n/locale.js';
import { MAX_INPUT_BYTES, notAnImageRefusal, tooLargeRefusal, type RawInput } from '../pipeline/inputImages.js';

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

/** Discord's attachment hosts. */
const DISCORD_CDN_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);

function refusal(text: Localized): InvalidInputError {
  return new InvalidInputError(text.en, { param: IMAGE_PARAM, text });
}

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

/** Whether Discord is configured on a private address, looked up once per base URL (it never changes at run time). */
const discordIsPrivate = new Map<string, Promise<boolean>>();

function allowedHost(url: URL, discordApi: URL): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  return DISCORD_CDN_HOSTS.has(url.hostname) || url.host === discordApi.host;
}

/**
 * What can be refused from Discord's word alone, before a byte is fetched: the declared size and
 * type, and a link off Discord's hosts. Synchronous and cheap (it runs before the deferral).
 * Throws InvalidInputError (param `image`) with a message naming the file.
 */
export function checkAttachments(attachments: readonly AttachmentInput[], options: Pick<AttachmentDownloadOptions, 'discordApiBaseUrl'>): void {
  const discordApi = new URL(options.discordApiBaseUrl);
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
    if (!allowedHost(url, discordApi)) {
      throw refusal({
        en: `"${attachment.name}" is not a Discord attachment; upload the image to Discord instead.`,
        zh: `“${attachment.name}” 不是 Discord 附件;请把图片上传到 Discord。`,
      });
    }
  }
}

/** Whether Discord's configured host is private: looked up once per process and base URL, then remembered. */
export function discordHostIsPrivate(discordApiBaseUrl: string): Promise<boolean> {
  let isPrivate = discordIsPrivate.get(discordApiBaseUrl);
  if (!isPrivate) discordIsPrivate.set(discordApiBaseUrl, (isPrivate = hostIsPrivate(discordApiBaseUrl)));
  return isPrivate;
}

/**
 * Downloads the attachments in parallel, cheapest refusals first (checkAttachments, before a byte
 * is fetched). Throws InvalidInputError (param `image`) with a message naming the file.
 */
export async function downloadAttachments(attachments: readonly AttachmentInput[], options: AttachmentDownloadOptions): Promise<RawInput[]> {
  checkAttachments(attachments, options);
  const allowPrivateAddresses = await discordHostIsPrivate(options.discordApiBaseUrl);
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
  return refusal({
    en: `The link to "${name}" has expired or the file was deleted; upload the image again.`,
    zh: `“${name}” 的链接已过期或文件已被删除;请重新上传图片。`,
  });
}

/** A failed download, said as what the user can do about it. */
function downloadRefusal(name: string, error: unknown): InvalidInputError {
  if (!isImagineError(error)) throw error;
  if (error.code === 'image_url_expired') return expiredRefusal(name);
  if (error.code === 'image_too_large') return tooLargeRefusal(name);
  if (error.kind === 'timeout') {
    return refusal({
      en: `"${name}" took too long to download from Discord; try again, or use a smaller image.`,
      zh: `从 Discord 下载 “${name}” 超时;请重试,或换一张更小的图片。`,
    });
  }
  return refusal({
    en: `"${name}" could not be downloaded from Discord; try again, or upload it again.`,
    zh: `无法从 Discord 下载 “${name}”;请重试,或重新上传。`,
  });
}

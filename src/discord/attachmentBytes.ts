// Copies a message's attachments (a reported image into the log channel, a shared one into the
// gallery), so the copy stays even after the original is deleted. The download is the guarded one
// relay images get (providers/imageDownload.ts: http(s) only, redirects re-checked, every address
// checked at connect time, the size capped while streaming), limited to Discord's attachment hosts.
// Which links may be downloaded is decided here for input images too (attachmentInputs.ts).
// Failures give undefined: the caller links instead, or says the image could not be copied.
import type { Message } from 'discord.js';
import { log } from '../log.js';
import { downloadImage, hostIsPrivate } from '../providers/imageDownload.js';
import type { CopiedImage } from './reportMessage.js';

/** What a member may upload to a server that says nothing else (interaction.attachmentSizeLimit 0). */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** Larger files are not copied (the report links to them instead). */
export const MAX_COPY_BYTES = 25 * 1024 * 1024;
/** Discord allows ten attachments to a message. */
const MAX_COPIES = 10;
const TIMEOUT_MS = 15_000;

/** Discord's attachment hosts (input images and copies alike). */
export const DISCORD_CDN_HOSTS: ReadonlySet<string> = new Set(['cdn.discordapp.com', 'media.discordapp.net']);

/** An attachment link the bot may download: Discord's CDN, or the host of the configured Discord API (a local or compatible server). */
export function isDiscordAttachmentUrl(url: URL, discordApiBaseUrl: string): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  return DISCORD_CDN_HOSTS.has(url.hostname) || url.host === new URL(discordApiBaseUrl).host;
}

/** Whether Discord is configured on a private address, looked up once per base URL (it never changes at run time). */
const privateDiscord = new Map<string, Promise<boolean>>();

/** A private address is allowed only when Discord itself is configured on one (the local Discord fake). */
export function discordIsPrivate(discordApiBaseUrl: string): Promise<boolean> {
  let known = privateDiscord.get(discordApiBaseUrl);
  if (!known) privateDiscord.set(discordApiBaseUrl, (known = hostIsPrivate(discordApiBaseUrl)));
  return known;
}

export interface AttachmentBytesOptions {
  /** DISCORD_API_BASE_URL: its host is accepted besides Discord's CDN. */
  discordApiBaseUrl: string;
  maxBytes?: number;
  timeoutMs?: number;
}

/** The bytes of a Discord attachment link; undefined (logged) when it cannot be downloaded. */
export async function attachmentBytes(url: string, options: AttachmentBytesOptions): Promise<Buffer | undefined> {
  try {
    const parsed = new URL(url);
    if (!isDiscordAttachmentUrl(parsed, options.discordApiBaseUrl)) throw new Error('not a Discord attachment link');
    return await downloadImage(parsed.href, {
      relay: 'discord',
      timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
      maxBytes: options.maxBytes ?? MAX_COPY_BYTES,
      allowPrivateAddresses: await discordIsPrivate(options.discordApiBaseUrl),
    });
  } catch (error) {
    // The URL carries Discord's signature parameters: log the path only.
    log.warn('could not copy an attachment', { path: safePath(url), message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(not a URL)';
  }
}

export interface MessageCopies {
  /** Copied under their own names (SPOILER_ kept). */
  images: CopiedImage[];
  /** Links of the attachments that could not be copied (too large, or the download failed). */
  notCopied: string[];
}

/**
 * The message's attachments (at most ten), copied within `attachmentSizeLimit` (the server's upload
 * limit, which the copy must fit again; 0 when unknown) and MAX_COPY_BYTES, which bounds memory.
 */
export async function copyMessageImages(
  message: Pick<Message, 'attachments'>,
  attachmentSizeLimit: number,
  discordApiBaseUrl: string,
): Promise<MessageCopies> {
  const limit = Math.min(MAX_COPY_BYTES, attachmentSizeLimit || MAX_COPY_BYTES);
  const attachments = [...message.attachments.values()].slice(0, MAX_COPIES);
  const copies = await Promise.all(
    attachments.map(async (attachment): Promise<CopiedImage | undefined> => {
      if (attachment.size > limit) return undefined;
      const bytes = await attachmentBytes(attachment.url, { discordApiBaseUrl, maxBytes: limit });
      return bytes && { name: attachment.name, bytes };
    }),
  );
  return {
    images: copies.filter((copy): copy is CopiedImage => copy !== undefined),
    notCopied: attachments.filter((_, index) => copies[index] === undefined).map((attachment) => attachment.url),
  };
}

/** The names copyMessageImages would copy, known before downloading (whether the copy is spoilered). */
export function attachmentNames(message: Pick<Message, 'attachments'>): string[] {
  return [...message.attachments.values()].slice(0, MAX_COPIES).map((attachment) => attachment.name);
}

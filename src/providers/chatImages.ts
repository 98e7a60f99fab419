// The answer of a model served on /chat/completions (gpt-image-2-all on APIYI): an OpenAI
// `chat.completion` whose message text carries the image, as APIYI's page for the model says:
// "The generated image appears as a URL or data URL embedded in choices[0].message.content", to be
// found "with a regex like https?://[^\s)]+\.(png|jpg|jpeg|webp) or data:image/[^\s)]+".
// The images are then read exactly as the Images API's are (imagesFromJson).
import { z } from 'zod';
import { MalformedResponseError, type ErrorContext } from './errors.js';
import { imagesFromJson, type ImageDownloader, type ParsedImages } from './images.js';

const partSchema = z.object({ type: z.string().optional(), text: z.string().optional(), image_url: z.object({ url: z.string() }).partial().optional() });

const chatSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.union([z.string(), z.array(partSchema)]).nullish() }) }))
    .min(1),
  usage: z.unknown().optional(),
});

// Markdown images first (`![…](url)`), then bare links and data URLs.
const MARKDOWN_IMAGE = /!\[[^\]]*\]\(\s*(\S+?)\s*\)/g;
const IMAGE_LINK = /(?:https?:\/\/[^\s)"'<>]+?\.(?:png|jpe?g|webp|gif)(?:\?[^\s)"'<>]*)?|data:image\/[^\s)"'<>]+)/gi;

/** Every image link in the message text, in order, without repeats. */
export function imageLinks(content: string): string[] {
  const links = [...content.matchAll(MARKDOWN_IMAGE)].map((match) => match[1] ?? '');
  links.push(...[...content.matchAll(IMAGE_LINK)].map((match) => match[0]));
  return [...new Set(links.filter((link) => /^(https?:|data:image\/)/i.test(link)))];
}

export async function imagesFromChat(json: unknown, download: ImageDownloader, context: ErrorContext = {}): Promise<ParsedImages> {
  const parsed = chatSchema.safeParse(json);
  if (!parsed.success) throw new MalformedResponseError('The relay answered the chat request without a message', context);
  const content = parsed.data.choices[0]?.message.content ?? '';
  const text = typeof content === 'string' ? content : content.map((part) => part.image_url?.url ?? part.text ?? '').join('\n');
  const links = imageLinks(text);
  if (links.length === 0) {
    // The model answered in words (a refusal, a question): no image was made.
    throw new MalformedResponseError(`The relay's chat answer holds no image: ${text.slice(0, 160)}`, context);
  }
  // The first picture is the answer; later links are usually the same image again or a thumbnail.
  return imagesFromJson({ data: [{ url: links[0] }], usage: parsed.data.usage }, download, context);
}

// Models a relay serves conversationally: gpt-image-2-all on APIYI (001, first line: "对话式端点提示词
// 遵循最佳"). APIYI's page for the model: POST /v1/chat/completions with OpenAI `messages`; "无显式 size
// 参数" — the shape is asked for in the prompt ("尺寸/比例/风格请在此描述"); reference images are
// `image_url` parts that take "https://... or data:image/png;base64,..."; `stream` is not supported.
// The answer is a chat.completion whose message text carries the image link (chatImages.ts).
import { simplestRatio, formatRatio } from '../../catalog/aspectRatio.js';
import type { SizeMapping } from '../../catalog/sizes.js';
import type { ModelSpec } from '../../catalog/types.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { checkInputImages, dataUrl } from './inputs.js';
import { checkRequest, planned } from './plan.js';

/** The line that asks for the size, or none for the model's own default (square) or `auto`. */
export function sizeHint(size: SizeMapping, model: ModelSpec): string | undefined {
  if (size.kind === 'auto') return undefined;
  const fallback = model.sizes.kind === 'fixed' ? model.sizes.sizes[0] : undefined;
  if (size.value === fallback) return undefined;
  const ratio = size.kind === 'ratio' ? size.value : formatRatio(simplestRatio(size.width, size.height));
  const shape = size.kind === 'pixels' ? `${size.value} pixels, aspect ratio ${ratio}` : `aspect ratio ${ratio}`;
  return `Image size: ${shape}.`;
}

export function planChat(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  const checked = checkRequest(request, model, options);
  const inputs = checkInputImages(request, model, options.offeredModels);
  const hint = sizeHint(checked.size, model);
  const text = hint ? `${checked.prompt}\n\n${hint}` : checked.prompt;
  const content = inputs.length
    ? [{ type: 'text', text }, ...inputs.map((image) => ({ type: 'image_url', image_url: { url: dataUrl(image) } }))]
    : text;
  const body = { model: model.id, messages: [{ role: 'user', content }], stream: false };
  return { ...planned(model, checked, body), path: '/chat/completions' };
}

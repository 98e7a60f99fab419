// Input images per dialect: whether the model takes any, how many, and how they travel. FLUX.2 and
// Kontext read them as base64 JSON fields with BFL's names (`input_image`, `input_image_2` …); GPT
// image models read them as files of a multipart form on /images/edits (see gptImage.ts).
import { CATALOG } from '../../catalog/models.js';
import type { ModelSpec } from '../../catalog/types.js';
import { InvalidInputError } from '../../catalog/failure.js';
import type { ImageRequest, InputImage } from '../../catalog/request.js';

/** The models (of `models`) that take input images, for refusals to name. */
export function editModelIds(models: readonly ModelSpec[] = CATALOG): string[] {
  return models.filter((model) => model.inputImages).map((model) => model.id);
}

/**
 * The one check of how many input pictures a model takes: none on a text-only model, at most its
 * `max` on the others (zero is always fine). Said before anything is spent: by the pipeline before a
 * file is read or an attachment downloaded, and again when a request is planned. Of `offered` (the
 * models offered here; every catalog model when not given), those that take images are named in the
 * refusal of a text-only model.
 */
export function checkInputCount(model: ModelSpec, pictures: number, offered: readonly ModelSpec[] = CATALOG): void {
  if (pictures === 0) return;
  const rule = model.inputImages;
  if (!rule) throw noInputRefusal(model, editModelIds(offered));
  if (pictures > rule.max) throw tooManyInputsRefusal(model, pictures, rule.max);
}

/** How many pictures the inputs hold (two joined side by side count as two). */
export function inputPictureCount(images: readonly InputImage[] | undefined): number {
  return (images ?? []).reduce((sum, image) => sum + image.parts, 0);
}

/** The refusal for an image sent to a model that only draws from text: said before anything is spent. */
export function noInputRefusal(model: ModelSpec, editModels: readonly string[]): InvalidInputError {
  return new InvalidInputError('image_not_taken', { model: model.id, editModels });
}

/** The refusal for more pictures than the model reads. */
export function tooManyInputsRefusal(model: ModelSpec, count: number, max: number): InvalidInputError {
  return new InvalidInputError('too_many_images', { model: model.id, count, max });
}

/**
 * The request's input images, checked against the model (none is fine). The pipeline joins inputs
 * for models that read one image before planning, so a joined model sees one image here.
 * `offered` is as for checkInputCount: the models refusals may name.
 */
export function checkInputImages(request: ImageRequest, model: ModelSpec, offered: readonly ModelSpec[] = CATALOG): InputImage[] {
  const images = request.inputImages ?? [];
  if (request.mask && (images.length === 0 || model.dialect !== 'gpt-image')) {
    throw new InvalidInputError('mask_needs_gpt', { gptModels: editModelIds(offered.filter((m) => m.dialect === 'gpt-image')) });
  }
  checkInputCount(model, inputPictureCount(images), offered);
  if (model.inputImages?.joined && images.length > 1) {
    // The pipeline joins them; a caller that skipped it would send images the model never reads.
    throw new Error(`${model.id} reads one image: join the ${images.length} inputs before planning`);
  }
  return images;
}

/** An input image as a `data:image/…;base64,…` URL. */
export function dataUrl(image: InputImage): string {
  return `data:${image.mime};base64,${image.bytes.toString('base64')}`;
}

/**
 * BFL's field names for input images (`input_image`, `input_image_2` … `input_image_8`): raw base64
 * as BFL's own API takes it, or a data URL where the relay asks for one (APIYI's FLUX edit page).
 */
export function inputImageFields(images: readonly InputImage[], encoding: 'base64' | 'data-url' = 'base64'): Record<string, string> {
  return Object.fromEntries(
    images.map((image, index) => [
      index === 0 ? 'input_image' : `input_image_${index + 1}`,
      encoding === 'data-url' ? dataUrl(image) : image.bytes.toString('base64'),
    ]),
  );
}

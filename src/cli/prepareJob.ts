// One CLI generation from options to a prepared request: the input files read and checked for the
// model (and the mask scaled to the first image), then the shared pipeline's checks. Everything here
// happens before anything is sent; failures are InvalidInputError or ConfigError.
import { prepareMask } from '../pipeline/inputImages.js';
import type { ImagePipeline, PreparedGeneration } from '../pipeline/imagePipeline.js';
import { readInputFile } from './inputFiles.js';
import type { DraftRequest } from '../catalog/request.js';

export interface CliJob {
  request: DraftRequest;
  imagePaths: readonly string[];
  maskPath?: string;
}

export async function prepareJob(pipeline: ImagePipeline, job: CliJob): Promise<PreparedGeneration> {
  if (job.imagePaths.length === 0) return pipeline.prepare(job.request);
  const model = pipeline.resolveModel(job.request.model);
  // Said before any file is read: a text-only model, or more images than it takes.
  pipeline.checkInputCount(model, job.imagePaths.length);
  const raws = await Promise.all(job.imagePaths.map(readInputFile));
  const inputImages = await pipeline.readInputs(model, raws);
  const mask = job.maskPath && inputImages[0] ? await prepareMask(await readInputFile(job.maskPath), inputImages[0]) : undefined;
  return pipeline.prepare({ ...job.request, model: model.id, inputImages, ...(mask ? { mask } : {}) });
}

// The pipeline the bot and the CLI share, configured for a relay fake the way an operator would
// (environment only, no .env), plus the two ways tests call it: expecting a result or a failure.
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ImagePipeline, type GenerateOptions } from '../../src/pipeline/imagePipeline.js';
import type { ImagineError } from '../../src/providers/errors.js';
import type { GenerationResult, ImageRequest } from '../../src/providers/types.js';
import { makeTempDir } from './tempFiles.js';

export type Input = Partial<ImageRequest> & { prompt: string };

export function pipelineFor(relay: { url: string; apiKey: string }, env: NodeJS.ProcessEnv = {}): ImagePipeline {
  const config = loadConfig({
    require: ['relay'],
    // A .env path that does not exist: the developer's own .env must not reach the test.
    envFile: join(makeTempDir(), '.env'),
    processEnv: { IMAGE_API_BASE_URL: relay.url, IMAGE_API_KEY: relay.apiKey, ...env },
  });
  return new ImagePipeline(config);
}

export function generate(pipeline: ImagePipeline, input: Input, options: GenerateOptions = {}): Promise<GenerationResult> {
  // prepare() throws synchronously; inside the async function it becomes a rejection like the rest.
  return (async () => pipeline.generate(pipeline.prepare(input), options))();
}

export async function failure(promise: Promise<unknown>): Promise<ImagineError> {
  try {
    await promise;
  } catch (error) {
    return error as ImagineError;
  }
  throw new Error('expected the generation to fail, but it succeeded');
}

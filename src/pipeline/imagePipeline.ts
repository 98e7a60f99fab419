// The generation pipeline the bot and the CLI share: fill defaults, validate against the catalog and
// the relay (before anything is spent), then generate through the relay router and price the result.
// It knows nothing of Discord or terminals.
import { randomInt } from 'node:crypto';
import type { AppConfig } from '../config/index.js';
import type { RelayConfig } from '../config/relay.js';
import type { ModelSpec } from '../catalog/types.js';
import { simplestRatio, formatRatio } from '../catalog/aspectRatio.js';
import { findModel } from '../catalog/models.js';
import { planRequest } from '../providers/dialects/index.js';
import { relayModel } from '../providers/profiles/index.js';
import { checkInputCount } from '../providers/dialects/inputs.js';
import { InvalidInputError } from '../providers/errors.js';
import { closeAgents } from '../providers/http.js';
import type { PartialImageListener } from '../providers/imageEvents.js';
import type { RetryInfo } from '../providers/relayClient.js';
import { RelayRouter, type FailoverInfo } from '../providers/router.js';
import type { DialectOptions, GenerationResult, ImageRequest, InputImage, PlannedRequest } from '../providers/types.js';
import { prepareInputImages, prepareVisionImage, type RawInput } from './inputImages.js';
import type { DraftRequest } from '../catalog/request.js';

export type PipelineConfig = Pick<AppConfig, 'relays' | 'knownModels' | 'offeredModels' | 'defaultModel'> & {
  env: Pick<AppConfig['env'], 'defaultSize' | 'defaultN' | 'requestTimeoutMs'> & Partial<Pick<AppConfig['env'], 'downloadTimeoutMs'>>;
};

/** A request that passed every local check: what will be sent, and to which relays. */
export interface PreparedGeneration {
  /** The request with defaults filled in (and a seed chosen, for models that take one). */
  request: ImageRequest;
  model: ModelSpec;
  /** The plan for the first relay; what the user is shown before the result. */
  plan: PlannedRequest;
  relays: RelayConfig[];
  /** The relay tried first (relays[0]): the plan, the reservation's price and the menus follow it. */
  primaryRelay: RelayConfig | undefined;
  /** False when the size came from IMAGE_SIZE (or the model's default): not the user's choice. */
  sizeChosen: boolean;
}

export interface GenerateOptions {
  signal?: AbortSignal;
  /** Overrides REQUEST_TIMEOUT for this generation. */
  timeoutMs?: number;
  onRetry?(info: RetryInfo): void;
  onFailover?(info: FailoverInfo): void;
  /** Previews while a streamed generation runs (relays with `streaming`, GPT image models). */
  onPartialImage?: PartialImageListener;
}

/** Seeds are chosen here when the user gives none, so every result can be reproduced and re-rolled. */
const MAX_SEED = 2 ** 31 - 1;

export function dialectOptionsFor(relay: RelayConfig | undefined, offeredModels?: readonly ModelSpec[]): DialectOptions {
  return { strictAspectRatios: relay?.strictAspectRatios ?? false, maxPromptChars: relay?.maxPromptChars, profile: relay?.profile, offeredModels };
}

/** The model as `relay` serves it (its profile's sizes, limits and options), for checks and menus. */
export function modelOnRelay(model: ModelSpec, relay: RelayConfig | undefined): ModelSpec {
  return relayModel(model, relay?.profile, dialectOptionsFor(relay)).spec;
}

/**
 * An edit without a chosen size keeps the first input's shape (as a ratio, so pixel models render
 * about 1 MP of it): a portrait photo stays portrait instead of becoming IMAGE_SIZE's square.
 */
function inputShape(images: readonly InputImage[] | undefined): string | undefined {
  const first = images?.[0];
  return first ? formatRatio(simplestRatio(first.width, first.height)) : undefined;
}

export class ImagePipeline {
  readonly router: RelayRouter;

  constructor(
    private readonly config: PipelineConfig,
    options: { router?: RelayRouter } = {},
  ) {
    this.router = options.router ?? new RelayRouter(config.relays);
  }

  get offeredModels(): readonly ModelSpec[] {
    return this.config.offeredModels;
  }

  get defaultModel(): ModelSpec {
    return this.config.defaultModel;
  }

  /** The model a user may pick by this name, or an InvalidInputError naming the offered ones. */
  resolveModel(id: string | undefined): ModelSpec {
    if (id === undefined || id.trim() === '') return this.config.defaultModel;
    const known = findModel(id, this.config.knownModels);
    const offered = known && this.config.offeredModels.find((model) => model.id === known.id);
    if (!offered) {
      throw new InvalidInputError('model_not_offered', { model: id, offered: this.config.offeredModels.map((model) => model.id) });
    }
    return offered;
  }

  relaysServing(model: ModelSpec): RelayConfig[] {
    return this.router.relaysServing(model.id);
  }

  /** The offered models that take input images (edits), for menus and refusals. */
  get editModels(): readonly ModelSpec[] {
    return this.config.offeredModels.filter((model) => model.inputImages);
  }

  /**
   * Refuses, before anything is downloaded, `pictures` input images for this model (a text-only
   * model, or more than it reads), naming the offered models that take images. Throws InvalidInputError.
   */
  checkInputCount(model: ModelSpec, pictures: number): void {
    checkInputCount(model, pictures, this.config.offeredModels);
  }

  /** Checks and converts input images for `model` (see inputImages.ts); throws InvalidInputError. */
  readInputs(model: ModelSpec, raw: readonly RawInput[]): Promise<InputImage[]> {
    return prepareInputImages(raw, model, this.config.offeredModels);
  }

  /** Checks and converts an image a vision chat model is asked to describe; throws InvalidInputError. */
  readVisionInput(raw: RawInput): Promise<InputImage> {
    return prepareVisionImage(raw);
  }

  private dialectOptions(relay: RelayConfig | undefined): DialectOptions {
    return dialectOptionsFor(relay, this.config.offeredModels);
  }

  /** The model as its first relay serves it: what menus offer and checks allow. */
  modelOnFirstRelay(model: ModelSpec): ModelSpec {
    return modelOnRelay(model, this.relaysServing(model)[0]);
  }

  /** Validates and maps the request; throws InvalidInputError, and sends nothing. */
  prepare(input: DraftRequest): PreparedGeneration {
    const model = this.resolveModel(input.model);
    const relays = this.relaysServing(model);
    if (relays.length === 0) {
      const served = this.config.offeredModels.filter((m) => this.relaysServing(m).length > 0).map((m) => m.id);
      throw new InvalidInputError('model_not_served', { model: model.id, served });
    }
    const sizeGiven = input.size !== undefined && input.size.trim() !== '';
    const served = modelOnRelay(model, relays[0]);
    // The input images are checked against the model (how many, a mask) by planRequest.
    const request: ImageRequest = {
      ...input,
      model: model.id,
      size: sizeGiven ? input.size : (inputShape(input.inputImages) ?? this.config.env.defaultSize),
      n: input.n ?? Math.min(this.config.env.defaultN, served.maxN),
      // Only where the relay takes a seed: one it would never see would be shown as if it counted.
      seed: input.seed ?? (served.seed ? randomInt(0, MAX_SEED) : undefined),
    };
    let plan: PlannedRequest;
    try {
      plan = planRequest(request, model, this.dialectOptions(relays[0]));
    } catch (error) {
      // The configured default size may not suit this model at all: fall back to the model's own default.
      if (sizeGiven || !(error instanceof InvalidInputError) || error.param !== 'size') throw error;
      request.size = undefined;
      plan = planRequest(request, model, this.dialectOptions(relays[0]));
    }
    if (!sizeGiven) {
      // Mapping the operator's default size (or an input's shape) onto this model is not the user's business.
      plan = { ...plan, adjustments: plan.adjustments.filter((adjustment) => adjustment.field !== 'size') };
    }
    return { request, model, plan, relays, primaryRelay: relays[0], sizeChosen: sizeGiven };
  }

  /** USD to reserve for a prepared request: the first relay's price per image × images asked. */
  reservationCost(prepared: PreparedGeneration): number {
    return this.pricePerImage(prepared.model, prepared.primaryRelay) * prepared.plan.n;
  }

  /** USD per image for this model on this relay (relay prices override the catalog). */
  pricePerImage(model: ModelSpec, relay?: RelayConfig): number {
    return relay?.prices[model.id] ?? model.pricePerImage;
  }

  async generate(prepared: PreparedGeneration, options: GenerateOptions = {}): Promise<GenerationResult> {
    const { request, model } = prepared;
    const routed = await this.router.generate(
      model.id,
      // The first relay's plan is the one prepare() made (and showed); the others are planned for their profile.
      (relay) => (relay === prepared.primaryRelay ? prepared.plan : planRequest(request, model, this.dialectOptions(relay))),
      {
        timeoutMs: options.timeoutMs ?? this.config.env.requestTimeoutMs,
        downloadTimeoutMs: this.config.env.downloadTimeoutMs,
        signal: options.signal,
        onRetry: options.onRetry,
        onFailover: options.onFailover,
        onPartialImage: options.onPartialImage,
      },
    );
    // A seed dropped by the resend with the stable set did not count: the relay picked its own.
    const sentSeed = routed.droppedParams?.includes('seed') ? undefined : routed.plan.body.seed;
    return {
      images: routed.images,
      model: model.id,
      relay: routed.relay.name,
      requestId: routed.requestId,
      effectiveSize: routed.plan.effectiveSize,
      seed: routed.seed ?? (typeof sentSeed === 'number' ? sentSeed : undefined),
      adjustments: routed.plan.adjustments,
      qualityDropped: routed.qualityDropped,
      ...(routed.droppedParams?.length ? { droppedParams: routed.droppedParams } : {}),
      elapsedMs: routed.elapsedMs,
      estimatedCost: this.pricePerImage(model, routed.relay) * routed.images.length,
      usage: routed.usage,
      ...(request.inputImages?.length ? { inputs: request.inputImages.map((image) => image.toJSON()) } : {}),
    };
  }

  async close(): Promise<void> {
    await closeAgents();
  }
}

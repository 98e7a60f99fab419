// How the core tells the asking platform what happens to a request. Implemented once for Discord
// (src/discord/discordReporter.ts) and once for the terminal (src/cli/cliReporter.ts); the core
// never knows which.
import type { DeliveryRoute } from '../observability/metrics.js';
import type { PartialImage } from '../providers/imageEvents.js';
import type { RetryInfo } from '../providers/relayClient.js';
import type { GenerationResult } from '../providers/types.js';
import type { EtaEstimate } from '../queue/index.js';
import type { Ending, Settled } from './records.js';

/** Where a delivered result went. */
export interface Receipt {
  messageId: string;
  channelId: string;
  /** How it got there: a Discord route (counted in metrics) or a file the terminal saved. */
  via: DeliveryRoute | 'file';
}

export interface GenerationReporter {
  /** Waiting in the queue: place in line and ETA, called as the queue moves. */
  queued(eta: EtaEstimate): void;
  /** The request's turn came; the relay is about to be asked. */
  started(): Promise<void>;
  /** A relay attempt failed and is being retried (or resent without a refused option). */
  retrying(info: RetryInfo): void;
  /** A partial image of a streamed generation. */
  preview(partial: PartialImage): void;
  /** The relay has answered or failed: progress ends before the final message. */
  finished(): Promise<void>;
  /**
   * Puts the images in front of the member. Throws when they cannot be delivered; an image that
   * proves unusable while being prepared throws a MalformedResponseError.
   */
  deliver(result: GenerationResult): Promise<Receipt>;
  /** A request that ended without a delivered image: say what happened. Never throws. */
  ended(ending: Exclude<Ending, { kind: 'delivered' | 'recovered' }>, settled: Settled): Promise<void>;
}

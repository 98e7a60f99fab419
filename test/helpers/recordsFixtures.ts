// What the tests of a request's records (ledger entry, usage row, job row) feed the generation core:
// an origin as Discord's interaction gives it (one member, server and channel, a reply the member
// can be answered through, a new request id each time), and a pipeline to prepare requests with.
import { CATALOG, findModel } from '../../src/catalog/models.js';
import type { Origin } from '../../src/generation/types.js';
import { ImagePipeline } from '../../src/pipeline/imagePipeline.js';

/** The reply every test origin carries unless told otherwise. */
export const TEST_REPLY = { applicationId: '555555555555555555', token: 'dG9rZW4tZm9yLXRoZS1yZXBseQ' } as const;

/**
 * Origins with consecutive request ids after `lastId` (give each suite its own range), `defaults`
 * over the common fields, and each call's `overrides` over those.
 */
export function originFactory(lastId: bigint, defaults: Partial<Origin> = {}): (overrides?: Partial<Origin>) => Origin {
  let nextId = lastId;
  return (overrides = {}) => {
    nextId += 1n;
    return {
      requestId: String(nextId),
      userId: '1234567890123456789',
      guildId: '987654321098765432',
      channelId: '111111111111111111',
      locale: 'en-US',
      channelIsNsfw: false,
      parentChannelId: null,
      memberRoleIds: [],
      reply: { ...TEST_REPLY },
      ...defaults,
      ...overrides,
    };
  };
}

/**
 * Every model of the catalogue on one relay that is never called (nothing listens on port 9: the
 * records tests prepare requests and price them, never generate), flux-2-pro by default.
 */
export function offlinePipeline(): ImagePipeline {
  return new ImagePipeline({
    relays: [{ name: 'r', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k', models: '*', priority: 0, strictAspectRatios: false, streaming: false, prices: {}, maxConcurrency: 4 }],
    knownModels: [...CATALOG],
    offeredModels: [...CATALOG],
    defaultModel: findModel('flux-2-pro')!,
    env: { defaultSize: '1024x1024', defaultN: 1, requestTimeoutMs: 300_000 },
  });
}

// A local stand-in for an OpenAI-compatible image relay (new-api / one-api style), used by the
// provider tests, the CLI tests and `npm run demo`. See shared/RELAYS.md for the behaviour it mimics;
// `profile` makes it play one of the seed relays instead (profiles/, shared/seeds; test/seeds replays them).
export { startRelayFake } from './server.js';
export { DEFAULT_API_KEY } from './settings.js';
export { FAKE_CHAT_MODELS, FAKE_MODELS, findChatModel, findModel, type FakeChatModel, type FakeDialect, type FakeModel } from './models.js';
export { ratioDimensions, STRICT_ASPECT_RATIOS } from './dialects.js';
export { FIELDS_DROPPED_BY_NEW_API } from './generate.js';
export type {
  ChatAsk,
  ChatReply,
  DownloadFault,
  Fault,
  PayloadFault,
  RecordedRequest,
  RelayFake,
  RelayFakeOptions,
  RelayProfile,
  StreamFault,
  TransportFault,
} from './types.js';

// The shapes a request takes on its way through the core, named once.
import type { ModelSpec } from '../catalog/types.js';
import type { Localized } from '../i18n/locale.js';
import type { SafetyResolution } from '../moderation/index.js';
import type { GuildPolicy } from '../moderation/index.js';
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
export type { DraftRequest } from '../catalog/request.js';

/** A call to the chat model on a member's behalf: its kind names its usage row. */
export type ChatTaskKind = 'describe' | 'enhance';

/** Who asks, from where: everything admission and the records need of the asking platform. */
export interface Origin {
  /** The key of the request everywhere (ledger, usage log, job table): the Discord interaction id. */
  requestId: string;
  userId: string;
  /** Null in DMs. */
  guildId: string | null;
  channelId: string | null;
  /** The member's Discord locale (`zh-CN`, `en-US` …), kept for messages after a restart. */
  locale: string;
  channelIsNsfw: boolean;
  parentChannelId: string | null;
  memberRoleIds: readonly string[];
  /** What a later process needs to answer the member in place (a webhook edit), until the job is final. */
  reply?: {
    applicationId: string;
    token: string;
    /** The largest upload this reply takes (Discord's per-server limit), for a process that delivers it without the interaction. */
    uploadLimit?: number;
  };
}

/** The cheap checks passed: kept for the reservation (the policy is read once per request). */
export interface Screened {
  model: ModelSpec;
  /** The server's policy (undefined in DMs). */
  policy: GuildPolicy | undefined;
  safety: SafetyResolution;
  spoiler: boolean;
}

/** The durable rows of one admitted request: its ledger entry (by key), usage row and job row. */
export interface GenerationRecord {
  key: string;
  usageId: number;
  jobId: number;
}

/** A request that passed every check and holds its reservation; its rows are written once the platform acknowledged it. */
export interface Reserved {
  origin: Origin;
  /** The member who asked: their lane in the fair queue. */
  owner: string;
  prepared: PreparedGeneration;
  /** Notes for the result (the safety value used when the policy lowered it). */
  notes: Localized[];
  spoiler: boolean;
  /** Budget warnings this reservation crossed, for the server's log channel. */
  budgetWarnings: Localized[];
}

/**
 * How the result is shown, kept with the job row so that another process (which has only the row)
 * shows it the same way: the notes and the spoiler flag of the reservation, the reply's upload limit.
 */
export interface Presentation {
  notes: Localized[];
  spoiler: boolean;
  uploadLimit?: number;
}

/** A reserved request with its rows: what the runner runs. */
export interface Admitted extends Reserved {
  record: GenerationRecord;
}

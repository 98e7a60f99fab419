// A job another process admitted, rebuilt from its row so that this process can run it (shared
// mode, several processes): the request from its JSON, validated and prepared again as the admitting
// process prepared it; its record ids; how its result is shown. A request JSON cannot carry (input
// images: their bytes are never stored), or one without a stored reply to answer through, is not
// portable: only its admitting process runs it.
import { z } from 'zod';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { ImageRequest } from '../providers/types.js';
import type { JobRow } from '../storage/index.js';
import type { Admitted, Origin, Presentation } from './types.js';

type PortableRequest = Omit<ImageRequest, 'inputImages' | 'mask'>;

/**
 * Every field of ImageRequest but the images, and nothing else (`strict`): a request with input
 * images or a mask fails, and so does one with a field this schema does not know. `satisfies` makes
 * a field added to ImageRequest a type error here until it is added (or left out on purpose).
 */
const STORED_REQUEST = z
  .object({
    prompt: z.string().min(1),
    model: z.string().min(1),
    size: z.string().optional(),
    quality: z.string().optional(),
    seed: z.number().int().optional(),
    safetyTolerance: z.number().optional(),
    outputFormat: z.enum(['png', 'jpeg', 'webp']).optional(),
    n: z.number().int().positive().optional(),
    promptUpsampling: z.boolean().optional(),
    steps: z.number().optional(),
    guidance: z.number().optional(),
    style: z.string().optional(),
    originalPrompt: z.string().optional(),
  } satisfies Record<keyof PortableRequest, z.ZodType>)
  .strict();

const PRESENTATION = z.object({
  notes: z.array(z.object({ en: z.string(), zh: z.string() })),
  spoiler: z.boolean(),
  uploadLimit: z.number().int().positive().optional(),
});

/**
 * True when another process can run this request from the job row alone: its JSON (what the row
 * stores) reads back as a whole request, and the member can be answered through the stored reply.
 */
export function isPortable(request: ImageRequest, origin: Origin): boolean {
  if (!origin.reply) return false;
  return STORED_REQUEST.safeParse(JSON.parse(JSON.stringify(request))).success;
}

/** What the job row keeps of how the result is shown. */
export function presentationOf(reserved: { notes: Presentation['notes']; spoiler: boolean }, origin: Origin): Presentation {
  const uploadLimit = origin.reply?.uploadLimit;
  return { notes: reserved.notes, spoiler: reserved.spoiler, ...(uploadLimit ? { uploadLimit } : {}) };
}

export type Restored = { ok: true; admitted: Admitted; presentation: Presentation } | { ok: false; reason: string };

/**
 * The Admitted of a stored job, as its admitting process had it (the checks and the reservation
 * were made there; what only matters to them — the member's roles, the channel's age restriction —
 * is not needed to run it). `reason` says why a row cannot be run here.
 */
export function restoreAdmitted(row: JobRow, pipeline: ImagePipeline): Restored {
  if (row.portable === false) return { ok: false, reason: 'not portable (input images, or no stored reply)' };
  if (row.usageId === null) return { ok: false, reason: 'no usage row' };
  if (!row.interactionToken || !row.applicationId) return { ok: false, reason: 'no stored reply' };
  const request = STORED_REQUEST.safeParse(row.request);
  if (!request.success) return { ok: false, reason: `stored request unreadable: ${request.error.issues[0]?.message ?? 'invalid'}` };
  const presentation = PRESENTATION.safeParse(row.presentation ?? { notes: [], spoiler: false });
  if (!presentation.success) return { ok: false, reason: 'stored presentation unreadable' };
  let prepared;
  try {
    prepared = pipeline.prepare(request.data);
  } catch (error) {
    // This process's relays or models differ from the admitting one's: leave the job to another.
    return { ok: false, reason: `cannot prepare here: ${error instanceof Error ? error.message : String(error)}` };
  }
  const shown = presentation.data;
  const origin: Origin = {
    requestId: row.interactionId,
    userId: row.userId,
    guildId: row.guildId,
    channelId: row.channelId,
    locale: row.locale ?? 'en-US',
    channelIsNsfw: false,
    parentChannelId: null,
    memberRoleIds: [],
    reply: { applicationId: row.applicationId, token: row.interactionToken, ...(shown.uploadLimit ? { uploadLimit: shown.uploadLimit } : {}) },
  };
  return {
    ok: true,
    presentation: shown,
    admitted: {
      origin,
      owner: row.userId,
      prepared,
      notes: shown.notes,
      spoiler: shown.spoiler,
      budgetWarnings: [],
      record: { key: row.interactionId, usageId: row.usageId, jobId: row.id },
    },
  };
}

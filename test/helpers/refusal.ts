// How a test reads a refusal the bot said privately, whichever way it had to say it.
import { expect } from 'vitest';
import type { InteractionHandle } from '../fakes/discord/index.js';

const EPHEMERAL = 64;

/**
 * A private refusal: a private reply when it could be said at once (within Discord's 3 s, before any
 * download or chat call), else, after the deferral, the public "thinking…" message withdrawn and the
 * refusal said in a private follow-up. Returns its text.
 */
export async function refusedWith(handle: InteractionHandle): Promise<string> {
  const ack = await handle.waitForCallback(3_000);
  let content: string;
  if (ack.type === 5) {
    await handle.waitFor((state) => state.followups.length > 0, 10_000);
    const [followup] = handle.followups();
    expect(followup!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(handle.original()?.deleted).toBe(true);
    expect(handle.original()?.content).toBe('');
    content = followup!.content;
  } else {
    expect(ack.type).toBe(4);
    expect(((ack.data as { flags?: number }).flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
    content = String((ack.data as { content?: unknown }).content);
  }
  // A refusal is final: give a wrongly started generation the time to reach the relay.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return content;
}

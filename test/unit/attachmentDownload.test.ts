// Downloading a member's attachments (Remix, /imagine image options) shares the relay's image
// downloader; a slow Discord link must still be refused as too slow (not as a broken download), in
// the member's words, before anything is reserved.
import { afterEach, describe, expect, it } from 'vitest';
import { downloadAttachments } from '../../src/discord/attachmentInputs.js';
import { InvalidInputError } from '../../src/providers/errors.js';
import { closeLoopbackServers, listenOnLoopback } from '../helpers/loopbackServer.js';

afterEach(closeLoopbackServers);

describe('downloadAttachments', () => {
  it('refuses an attachment that does not arrive within the deadline as a timeout', async () => {
    const server = await listenOnLoopback(() => {}); // never answers
    const attachment = { id: '1', name: 'slow.png', url: `${server.url}/attachments/1/2/slow.png`, size: 1000, contentType: 'image/png' };
    const refusal = await downloadAttachments([attachment], { discordApiBaseUrl: `${server.url}/api`, deadlineMs: 200 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect(refusal).toMatchObject({ code: 'image_download_timeout' });
    expect((refusal as InvalidInputError).text?.en).toContain('slow.png');
  });
});

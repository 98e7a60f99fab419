// A pass-through in front of the relay fake that counts what the relay is asked at once: each image
// generation request from its arrival until the relay's answer has been sent in full (or either side
// gave up). A test of caps held by several bot processes reads the most requests in flight there,
// overall and per member (a tag the test puts in the prompt), where no process could hide them.
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MeteredRequest {
  /** The tag of the prompt (see `tagOf`), or '' when it has none. */
  tag: string;
  prompt: string;
  /** Date.now() at arrival and when the answer was over. */
  startedAt: number;
  endedAt?: number;
}

export interface RelayMeter {
  /** The base URL to give the bot instead of the relay's, with /v1. */
  url: string;
  /** Generation requests in flight now, and the most there ever were. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The most requests in flight at once per tag. */
  maxInFlightOf(tag: string): number;
  /** Every generation request, in order of arrival. */
  readonly requests: readonly MeteredRequest[];
  close(): Promise<void>;
}

const GENERATION = /\/images\/generations$/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `relayOrigin` is the relay fake's origin (http://127.0.0.1:PORT); `tagOf` reads a tag out of a prompt. */
export async function startRelayMeter(relayOrigin: string, tagOf: (prompt: string) => string | undefined): Promise<RelayMeter> {
  const target = new URL(relayOrigin);
  let inFlight = 0;
  let maxInFlight = 0;
  const perTag = new Map<string, number>();
  const maxPerTag = new Map<string, number>();
  const requests: MeteredRequest[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const counted = req.method === 'POST' && GENERATION.test(new URL(req.url ?? '/', 'http://relay').pathname);
      let done = () => {};
      if (counted) {
        let prompt = '';
        try {
          prompt = String((JSON.parse(body.toString('utf8')) as { prompt?: unknown }).prompt ?? '');
        } catch {
          // A multipart edit or an unreadable body: counted without a tag.
        }
        const entry: MeteredRequest = { tag: tagOf(prompt) ?? '', prompt, startedAt: Date.now() };
        requests.push(entry);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const now = (perTag.get(entry.tag) ?? 0) + 1;
        perTag.set(entry.tag, now);
        maxPerTag.set(entry.tag, Math.max(maxPerTag.get(entry.tag) ?? 0, now));
        let over = false;
        done = () => {
          if (over) return;
          over = true;
          entry.endedAt = Date.now();
          inFlight -= 1;
          perTag.set(entry.tag, (perTag.get(entry.tag) ?? 1) - 1);
        };
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          answer.once('end', done);
          answer.once('error', done);
          answer.once('close', done);
          // The bot gave up (its process was killed): the relay's work went on until now; drop the answer.
          if (res.destroyed) {
            answer.resume();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', () => {
        done();
        res.destroy();
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    maxInFlightOf: (tag) => maxPerTag.get(tag) ?? 0,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

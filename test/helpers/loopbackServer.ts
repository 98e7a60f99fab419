// A bare HTTP server on 127.0.0.1 for unit tests that need one exact answer (the full relay fake
// lives in test/fakes/relay). Every server started is closed, hung connections included, by
// `closeLoopbackServers` (call it in afterEach).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const open: LoopbackServer[] = [];

export async function listenOnLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const loopback: LoopbackServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(loopback);
  return loopback;
}

export async function closeLoopbackServers(): Promise<void> {
  await Promise.all(open.splice(0).map((server) => server.close()));
}

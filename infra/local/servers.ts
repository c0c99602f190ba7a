import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

/** Listens on 127.0.0.1:`port` (0 = any free port) and resolves to the server's base URL. */
export const listenLocally = (server: Server, port = 0): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });

/** Closes a server now, dropping kept-alive connections. */
export const closeNow = async (server: Server | undefined): Promise<void> => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
};

/** A port on 127.0.0.1 that was free a moment ago (for processes that take a port number). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * The machine's time in epoch ms, which a controlled clock (`npm start -- --clock`, which sets `Date`)
 * does not move: the local runtime's own timing (batching windows, rests, retry delays, Lambda
 * deadlines) runs on it, so setting the hub's clock never stalls a queue.
 */
export const machineNow = (): number => performance.timeOrigin + performance.now();

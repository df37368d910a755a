/**
 * A TCP proxy on a free port in front of a real server, that a test can cut (every connection
 * dropped, new ones refused) and restore — the server itself, shared with other tests, is never
 * touched. Closed after the test.
 */
import { connect, createServer, type Socket } from 'node:net';
import { onCleanup } from './helpers.js';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as a stopped server would. */
  cut(): void;
  restore(): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const proxy: TcpProxy = {
    port: address.port,
    cut() {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      cut = false;
    },
  };
  onCleanup(async () => {
    proxy.cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return proxy;
}

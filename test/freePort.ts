import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port that was free a moment ago (for servers started as a separate process). Without a
 * test-runner import, so benchmarks use it too; test/helpers.ts re-exports it.
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * The `roomkit` command: configuration → buildApp() → listen; SIGTERM/SIGINT → graceful
 * shutdown (stop accepting, tell the clients, close within 10 s).
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, parseFlags } from './config.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, ...parseFlags(process.argv.slice(2)) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`roomkit: ${error.message}\n`);
    process.exit(2);
  }
  let app;
  try {
    ({ app } = await buildApp(config));
  } catch (error) {
    // Settings that only prove wrong while starting (a driver that is not available, say).
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`roomkit: ${error.message}\n`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // The usual ways a start fails are the operator's to fix, so they get one line, not a stack.
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'EADDRINUSE'
        ? `PORT: ${config.port} is already in use on ${config.host}`
        : code === 'EACCES'
          ? `PORT: no permission to listen on ${config.port}`
          : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
            ? `HOST: ${config.host} is not an address of this machine`
            : undefined;
    if (problem === undefined) throw error;
    process.stderr.write(`roomkit: ${problem}\n`);
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `roomkit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

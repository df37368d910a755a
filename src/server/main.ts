/**
 * The `roomkit` command: configuration → buildApp() → listen; SIGTERM/SIGINT → graceful
 * shutdown (stop accepting, tell the clients, close within 10 s). `--help` and `--version`
 * answer and exit.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { commandOf, ConfigError, helpText, loadConfig, parseFlags, type Config } from './config.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

/** Where to point a browser: PUBLIC_URL, else where the server listens (a wildcard is here). */
function browserUrl(config: Config, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const host = ['0.0.0.0', '::', '[::]'].includes(config.host)
    ? 'localhost'
    : config.host.includes(':')
      ? `[${config.host}]`
      : config.host;
  return `http://${host}:${port}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const command = commandOf(argv);
  if (command === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (command === 'version') {
    // src/server/ and dist/server/ alike sit two folders below package.json.
    const pkg = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    process.stdout.write(`roomkit ${pkg.version}\n`);
    return;
  }
  const admin = argv[0] === 'admin';
  let config;
  try {
    config = loadConfig({ ...process.env, ...(admin ? {} : parseFlags(argv)) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`roomkit: ${error.message}\n`);
    process.exit(2);
  }
  if (admin) {
    const { adminCommand } = await import('./admin/adminCommand.js');
    process.exitCode = await adminCommand(argv.slice(1), config, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    return;
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
  // For the person who started it, beside the logs (JSON on stdout, for machines).
  const { port } = app.server.address() as AddressInfo;
  process.stderr.write(`Roomkit is running: open ${browserUrl(config, port)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `roomkit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onCleanup } from './helpers.js';

const run = promisify(execFile);

/**
 * Builds and closes the app in a child process, with a module hook that records every module
 * resolved, and returns the packages loaded from node_modules.
 */
async function packagesLoaded(env: Record<string, string>): Promise<Set<string>> {
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      port.postMessage(resolved.url);
      return resolved;
    }`;
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = new Set();
    port1.on('message', (url) => urls.add(url));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), {
      data: { port: port2 },
      transferList: [port2],
    });
    const { buildApp } = await import(${JSON.stringify(new URL('../src/server/app.ts', import.meta.url).href)});
    const { loadConfig } = await import(${JSON.stringify(new URL('../src/server/config.ts', import.meta.url).href)});
    const config = loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...JSON.parse(process.env.ROOMKIT_ENV) });
    const { app } = await buildApp(config, { webRoot: false });
    await app.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    port1.close();
    process.stdout.write(JSON.stringify([...urls]));
  `;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    { env: { ...process.env, ROOMKIT_ENV: JSON.stringify(env) }, timeout: 60_000 },
  );
  const packages = new Set<string>();
  for (const url of JSON.parse(stdout) as string[]) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

const OPTIONAL = ['ioredis', '@socket.io/redis-streams-adapter', 'kysely', 'pg', 'better-sqlite3'];

describe('start-up', () => {
  it('loads neither a database, S3, Redis nor the HEIC decoder in memory mode', async () => {
    const loaded = await packagesLoaded({});
    expect(loaded).toContain('socket.io');
    expect(loaded).toContain('sharp');
    for (const name of [...OPTIONAL, '@aws-sdk/client-s3', 'heic-decode', 'libheif-js']) {
      expect(loaded, name).not.toContain(name);
    }
  }, 90_000);

  it('loads the SQL drivers when DATABASE_URL asks for a database', async () => {
    const loaded = await packagesLoaded({
      DATABASE_URL: 'sqlite::memory:',
      SESSION_SECRET: 'a session secret of at least thirty-two characters',
    });
    expect(loaded).toContain('kysely');
    expect(loaded).toContain('better-sqlite3');
    expect(loaded).not.toContain('ioredis');
  }, 90_000);
});

describe('the roomkit bin', () => {
  it('says in one line what to run where nothing is built and nothing could build it', async () => {
    // The real bin, alone in a package: no dist/, no scripts/, no build tools.
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-bin-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'bin'));
    await copyFile(new URL('../bin/roomkit.js', import.meta.url), join(dir, 'bin', 'roomkit.js'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const failed = (await run(process.execPath, [join(dir, 'bin', 'roomkit.js'), '--help']).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stdout: string; stderr: string } | undefined;
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr.split('\n').filter(Boolean)).toEqual([
      `roomkit: not built yet: run \`npm install && npm run build\` in ${dir}/, then \`npx roomkit\` again`,
    ]);
  });
});
